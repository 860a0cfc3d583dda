import type { HandlerResult } from './handler-types.js';
import type { HandlerLogger } from './telemetry.js';

/** One structured line per invocation: what was asked, what was done, how long it took. */
export function logInvocation(logger: HandlerLogger, r: HandlerResult): void {
  const detail: Record<string, unknown> = {
    success: r.success,
    processing_mode: r.processing_mode,
    section_id: r.section_id,
    events_processed: r.events_processed,
    video_events_processed: r.video_events_processed,
    events_rejected: r.events_rejected,
    files_processed: r.files_processed,
    files_skipped: r.files_skipped,
    files_failed: r.files_failed,
    files_in_progress: r.files_in_progress,
    duration_ms: r.duration_ms,
  };
  if ('error' in r) detail.error = r.error;
  if ('files' in r) {
    detail.objects = r.files.slice(0, 10).map((f) => ({ bucket: f.bucket, key: f.key, outcome: f.outcome }));
    for (const f of r.files.filter((x) => x.outcome === 'failed')) {
      logger.warn('file not loaded', {
        bucket: f.bucket,
        key: f.key,
        error: f.error,
        retryable: f.retryable,
      });
    }
  }
  if ('dry_run' in r) {
    Object.assign(detail, {
      bucket: r.bucket,
      start_date: r.start_date,
      end_date: r.end_date,
      dry_run: r.dry_run,
      complete: r.complete,
      planned_files: r.planned.files,
      planned_bytes: r.planned.bytes,
      run_id: r.run.run_id,
      invocation: r.run.invocation,
    });
  }
  if ('reasons' in r) detail.reasons = r.reasons;
  if (r.batchItemFailures) detail.batch_item_failures = r.batchItemFailures.length;
  if (!r.success) logger.warn('invocation finished with failures', detail);
  else logger.info('invocation finished', detail);
}
