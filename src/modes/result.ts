import type { IngestTotals } from '../load/ingest-types.js';

/**
 * The figures every mode answers with (the handler result: docs/lambda.md, "Results"). The same figures go out as
 * CloudWatch metrics; each mode adds its own detail next to them.
 */
export interface ModeCounts {
  events_processed: number;
  video_events_processed: number;
  events_rejected: number;
  files_processed: number;
  files_skipped: number;
  files_failed: number;
  /** Claimed by another load running now (a duplicate delivery): left to it, with zero counts. */
  files_in_progress: number;
}

export interface ModeResultBase extends ModeCounts {
  success: boolean;
  processing_mode: 'event' | 'bulk' | 'health';
  /** The one section the work covered, the list asked for, or null (several / all sections). */
  section_id: string | string[] | null;
}

export function zeroCounts(): ModeCounts {
  return {
    events_processed: 0,
    video_events_processed: 0,
    events_rejected: 0,
    files_processed: 0,
    files_skipped: 0,
    files_failed: 0,
    files_in_progress: 0,
  };
}

export function countsOf(t: IngestTotals): ModeCounts {
  return {
    events_processed: t.events_processed,
    video_events_processed: t.video_events_processed,
    events_rejected: t.events_rejected,
    // A superseded file was read at a newer version than planned: that version's own event loads it.
    files_processed: t.files_processed,
    files_skipped: t.files_skipped + t.files_superseded,
    files_failed: t.files_failed,
    files_in_progress: t.files_in_progress,
  };
}

/** The single section a set of keys belongs to, else null. */
export function singleSection(sections: Iterable<string>): string | null {
  const unique = new Set(sections);
  return unique.size === 1 ? ([...unique][0] as string) : null;
}

/**
 * The error behind a mode's transient failure, kept with its result (not in its JSON) so that the Lambda
 * rethrows it as the cause of what it throws: the log line and the DLQ then show why, not only that.
 */
export function withFailureCause<T extends object>(result: T, cause: Error | undefined): T {
  if (cause) Object.defineProperty(result, 'failureCause', { value: cause, enumerable: false });
  return result;
}

export function failureCause(result: object): Error | undefined {
  return (result as { failureCause?: Error }).failureCause;
}
