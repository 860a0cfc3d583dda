import { randomUUID } from 'node:crypto';
import { refreshAnalytics } from '../analytics/refresh.js';
import { EngineError, errorMessage, XapiEtlError } from '../errors.js';
import { type FileCounts, isLoaded, loadedVersions, recordFiles } from '../ledger/ledger.js';
import { FILE_TIME_PATTERN, KEY_LAYOUT_PATTERN } from '../plan/key-layout.js';
import type { SourceObject } from '../plan/source-object.js';
import type { Runtime } from '../runtime.js';
import { planBatches } from './batches.js';
import { engineThreads, insertSettings } from './insert-settings.js';
import { buildInsertSql, FILE_COUNTS_SQL } from './insert-sql.js';
import { stopQueries, watchQuery } from './query-watch.js';
import { resolveS3Access } from './s3-access.js';
import { buildSourceSql } from './source-sql.js';

export type FileOutcome = 'loaded' | 'skipped' | 'failed' | 'superseded';

export interface FileResult extends FileCounts {
  bucket: string;
  key: string;
  etag: string;
  size: number;
  outcome: FileOutcome;
  error?: string;
  /** The load that read it (rejected_statements and the ledger carry it); absent when skipped. */
  load_id?: string;
}

export interface IngestTotals {
  files_processed: number;
  files_skipped: number;
  files_failed: number;
  /** Changed or deleted between planning and loading: left for that version's own notification. */
  files_superseded: number;
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
}

/** How often a running batch's progress is read (only when someone listens: onProgress). */
const PROGRESS_INTERVAL_MS = 500;

/**
 * Loads file versions exactly once: drop the versions the ledger knows (unless forced), then one
 * INSERT … SELECT FROM s3()/file() per batch, then record each file's counts in the ledger.
 */
export async function ingest(
  rt: Runtime,
  objects: SourceObject[],
  options: IngestOptions,
): Promise<IngestResult> {
  const client = rt.engine.client;
  const unique = dedupe(objects);
  const known = options.force ? new Set<string>() : await loadedVersions(client, unique);
  const results: FileResult[] = [];
  const todo: SourceObject[] = [];
  for (const o of unique) {
    if (isLoaded(known, o)) results.push({ ...o, ...zeroCounts(), outcome: 'skipped' });
    else todo.push(o);
  }

  const batches = planBatches(todo, rt.config.batch);
  const progress: IngestProgress = {
    batch: 0,
    batches: batches.length,
    filesDone: 0,
    filesTotal: todo.length,
    bytesDone: 0,
    bytesTotal: todo.reduce((n, o) => n + o.size, 0),
    rowsDone: 0,
  };
  let retryableFailure = false;
  const access = todo.some((o) => o.kind === 's3') ? await resolveS3Access(rt.config.s3) : undefined;

  // The connection that watches and stops a load is opened before the first INSERT, not in its middle.
  if (batches.length > 0 && (options.onProgress || options.signal)) await rt.engine.monitor();
  const remaining: SourceObject[] = [];
  for (const [index, batch] of batches.entries()) {
    if (options.signal?.aborted || options.shouldStop?.()) {
      remaining.push(...batches.slice(index).flat());
      break;
    }
    const loadId = randomUUID();
    const startedAt = new Date();
    const base = { mode: options.mode, loadId, startedAt };
    await recordFiles(
      client,
      batch.map((object) => ({ ...base, object, status: 'loading' as const })),
    );
    const batchBytes = batch.reduce((n, o) => n + o.size, 0);
    const watch = options.onProgress
      ? watchQuery(
          rt.engine,
          loadId,
          (q) => {
            const bytesRead = Math.min(q.sourceBytes, batchBytes);
            options.onProgress?.({
              ...progress,
              bytesDone: progress.bytesDone + bytesRead,
              inFlight: { files: batch.length, bytes: batchBytes, bytesRead, elapsedMs: q.elapsedMs },
            });
          },
          PROGRESS_INTERVAL_MS,
        )
      : undefined;
    const cancel = () => void stopQueries(rt.engine, loadId);
    options.signal?.addEventListener('abort', cancel, { once: true });
    let cancelled = false;
    try {
      const counts = await loadBatch(rt, batch, loadId, options.mode, access);
      // The bytes read are all read: the refresh's queries (they name the load too) must not report 0.
      await watch?.stop();
      // The analytics include this load before anyone is told it is loaded.
      await refreshAnalytics(client, [loadId], rt.engine.schema);
      const finishedAt = new Date();
      const writes = batch.map((object) => {
        const c = counts.get(`${object.key}\u0000${object.etag}`) ?? zeroCounts();
        // Bytes but no lines read at the planned ETag: the object changed between planning and loading.
        const superseded = c.lines === 0 && object.size > 0;
        results.push({ ...object, ...c, outcome: superseded ? 'superseded' : 'loaded', load_id: loadId });
        return {
          ...base,
          object,
          status: superseded ? ('superseded' as const) : ('loaded' as const),
          finishedAt,
          counts: c,
          error: superseded ? 'object changed or vanished between planning and loading' : undefined,
        };
      });
      await recordFiles(client, writes);
    } catch (cause) {
      const interrupted = options.signal?.aborted === true;
      const error = cause instanceof XapiEtlError ? cause : new EngineError(errorMessage(cause), { cause });
      retryableFailure ||= error.retryable && !interrupted;
      const message = interrupted ? INTERRUPTED : errorMessage(error);
      cancelled = interrupted;
      if (!interrupted) {
        for (const object of batch)
          results.push({ ...object, ...zeroCounts(), outcome: 'failed', error: message, load_id: loadId });
      }
      await recordFiles(
        client,
        batch.map((object) => ({
          ...base,
          object,
          status: 'failed' as const,
          finishedAt: new Date(),
          error: message,
        })),
      ).catch(() => {
        // The engine is down: the ledger row stays `loading` and is reported as stuck by the health check.
      });
    } finally {
      options.signal?.removeEventListener('abort', cancel);
      await watch?.stop();
    }
    if (cancelled) {
      remaining.push(...batch);
      continue; // the check at the top stops the run and counts the batches left
    }
    progress.batch += 1;
    progress.filesDone += batch.length;
    progress.bytesDone += batch.reduce((n, o) => n + o.size, 0);
    progress.rowsDone = results.reduce((n, r) => n + r.lines, 0);
    options.onProgress?.({ ...progress });
  }
  return { files: results, totals: totalsOf(results), retryableFailure, remaining };
}

/** The ledger's word for a batch cancelled by the user: `failed`, so that a re-run loads it again. */
const INTERRUPTED = 'interrupted before it finished (Ctrl-C); a re-run loads it';

/**
 * ClickHouse retries an S3 request answering 5xx up to s3_retry_attempts times (500 by default on
 * recent versions) for each of s3_max_single_read_retries reads: a bucket answering 503 for good kept
 * one INSERT retrying for many minutes, past the Lambda timeout. Bounded here, a brief 503 burst or a
 * cut connection is still ridden out, and a lasting outage fails the batch within seconds (retryable:
 * the event is retried later). An object deleted after planning reads as empty instead of failing
 * every file of its batch (it is then marked superseded). test/reliability/faults.test.ts shows each.
 */
const S3_READ_SETTINGS = { s3_retry_attempts: '6', s3_ignore_file_doesnt_exist: 1 };
/** Plain reads (not mmap) of local files, so that ClickHouse counts their bytes as it goes (progress). */
const FILE_READ_SETTINGS = { storage_file_read_method: 'read' as const };

async function loadBatch(
  rt: Runtime,
  batch: SourceObject[],
  loadId: string,
  mode: string,
  access: Awaited<ReturnType<typeof resolveS3Access>> | undefined,
): Promise<Map<string, FileCounts>> {
  const client = rt.engine.client;
  const first = batch[0] as SourceObject;
  const isS3 = first.kind === 's3';
  if (!isS3 && rt.engine.kind !== 'embedded') {
    throw new EngineError(
      'Local files can only be loaded by the embedded engine; upload them to S3 for a server.',
      {
        retryable: false,
      },
    );
  }
  const cluster = isS3 ? rt.engine.cluster : undefined;
  const source = buildSourceSql(batch, { s3: rt.config.s3, access, cluster });
  const threads = await engineThreads(client, rt.config.insertThreads);
  await client.command({
    // The load id names the query, so that its progress can be read and it can be stopped (query-watch.ts).
    query_id: loadId,
    query: buildInsertSql(source, rt.config.validation),
    query_params: {
      ...source.params,
      ...(cluster ? { cluster_name: cluster } : {}),
      is_s3: isS3,
      planned_keys: batch.map((o) => o.key),
      planned_etags: batch.map((o) => o.etag),
      key_layout: KEY_LAYOUT_PATTERN,
      file_time_pattern: FILE_TIME_PATTERN,
      load_id: loadId,
      load_mode: mode,
      validation: rt.config.validation,
      bucket: first.bucket,
    },
    clickhouse_settings: {
      ...insertSettings({ batchBytes: batch.reduce((n, o) => n + o.size, 0), files: batch.length, threads }),
      ...(isS3 ? S3_READ_SETTINGS : FILE_READ_SETTINGS),
      ...(cluster ? { parallel_distributed_insert_select: '2' } : {}),
      // Rows routed to their shard by section must be there before the analytics refresh reads them.
      ...(rt.engine.schema.sharded ? { distributed_foreground_insert: 1 } : {}),
      // Also as log_comment: chDB keeps query ids of its own, and system.processes cuts the query text
      // after 100,000 characters, which a batch's planned keys and ETags alone can pass.
      log_comment: loadId,
    },
  });
  const rs = await client.query({
    query: FILE_COUNTS_SQL,
    query_params: { load_id: loadId },
    format: 'JSONEachRow',
  });
  const rows = await rs.json<FileCounts & { key: string; etag: string }>();
  return new Map(
    rows.map((r) => [
      `${r.key}\u0000${r.etag}`,
      {
        lines: Number(r.lines),
        statements: Number(r.statements),
        video_events: Number(r.video_events),
        rejected: Number(r.rejected),
      },
    ]),
  );
}

function dedupe(objects: SourceObject[]): SourceObject[] {
  const seen = new Set<string>();
  return objects.filter((o) => {
    const id = `${o.kind}\u0000${o.bucket}\u0000${o.key}\u0000${o.etag}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function zeroCounts(): FileCounts {
  return { lines: 0, statements: 0, video_events: 0, rejected: 0 };
}

export function totalsOf(files: FileResult[]): IngestTotals {
  const t: IngestTotals = {
    files_processed: 0,
    files_skipped: 0,
    files_failed: 0,
    files_superseded: 0,
    events_processed: 0,
    video_events_processed: 0,
    events_rejected: 0,
    lines: 0,
    bytes: 0,
  };
  for (const f of files) {
    if (f.outcome === 'skipped') t.files_skipped += 1;
    else if (f.outcome === 'failed') t.files_failed += 1;
    else if (f.outcome === 'superseded') t.files_superseded += 1;
    else t.files_processed += 1;
    t.events_processed += f.statements;
    t.video_events_processed += f.video_events;
    t.events_rejected += f.rejected;
    t.lines += f.lines;
    if (f.outcome !== 'skipped') t.bytes += f.size;
  }
  return t;
}
