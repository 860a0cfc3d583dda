import type { FileCounts } from '../ledger/ledger.js';
import type { SourceObject } from '../plan/source-object.js';

/** What a load takes and gives (src/load/ingest.ts runs it, src/load/run-batch.ts one batch of it). */

/**
 * `in_progress`: another load holds the file's claim (a concurrent delivery of the same notification, or
 * a load still running): this one leaves it, with zero counts.
 */
export type FileOutcome = 'loaded' | 'skipped' | 'failed' | 'superseded' | 'in_progress';

export interface FileResult extends FileCounts {
  bucket: string;
  key: string;
  etag: string;
  size: number;
  outcome: FileOutcome;
  error?: string;
  /** The load that read it (rejected_statements and the ledger carry it); absent when skipped. */
  load_id?: string;
  /** For a failed file: whether a retry can help (the error's class). */
  retryable?: boolean;
}

export interface IngestTotals {
  files_processed: number;
  files_skipped: number;
  files_failed: number;
  /** Changed or deleted between planning and loading: left for that version's own notification. */
  files_superseded: number;
  /** Claimed by another load running now: left to it. */
  files_in_progress: number;
  events_processed: number;
  video_events_processed: number;
  events_rejected: number;
  lines: number;
  bytes: number;
}

export interface IngestResult {
  files: FileResult[];
  totals: IngestTotals;
  /** True when a failure was transient (worth retrying the whole event). */
  retryableFailure: boolean;
  /** The first transient failure itself (its cause chain), for whoever rethrows it. */
  retryableError?: Error;
  /**
   * Planned but not loaded because the run stopped (shouldStop, or the signal): a re-run loads them.
   * A batch cancelled by the signal is here too (its ledger rows say `failed`, so nothing stays `loading`).
   */
  remaining: SourceObject[];
}

export interface IngestProgress {
  batch: number;
  batches: number;
  filesDone: number;
  filesTotal: number;
  /** Finished batches' bytes, plus what ClickHouse has read so far of the batch running (see inFlight). */
  bytesDone: number;
  bytesTotal: number;
  rowsDone: number;
  /** The batch being loaded, while it runs (progress moves within a long batch, not only between). */
  inFlight?: { files: number; bytes: number; bytesRead: number; elapsedMs: number };
}

export interface IngestOptions {
  mode: string;
  force?: boolean;
  onProgress?: (p: IngestProgress) => void;
  /** Asked before each batch; returning true stops (the rest is left for a continuation). */
  shouldStop?: () => boolean;
  /** Aborting stops the run: the running batch is cancelled, no other starts (Ctrl-C in the CLI). */
  signal?: AbortSignal;
  /** When the run must be over (epoch ms): each load INSERT gets the time left as `max_execution_time`. */
  deadlineAt?: number;
  /**
   * Who loads (claims the files): the Lambda request id, which Lambda's retries of the same event keep,
   * so that a retry takes its own crashed load over at once. Default: this process's run.
   */
  owner?: string;
  /**
   * Load only these sections' statements (bulk `--section` with a layout whose section is in the statement): the
   * files are claimed and recorded under a version tag of that scope (src/plan/source-object.ts), so that their
   * other sections stay to load; records whose section is not one of these are neither loaded nor counted.
   */
  sections?: string[];
}
