import { processFiles } from '../../src/cli/process-files.js';
import { runBulk } from '../../src/modes/bulk.js';
import { bulkPayloadSchema } from '../../src/requests/bulk-request.js';
import type { Runtime } from '../../src/runtime.js';
import { timed } from '../timed.js';
import type { ScenarioResult, ScenarioSpec } from '../types.js';

/**
 * Our real path: `process` (one file, local or S3) or bulk mode (a bucket of bundles): ledger look-up,
 * one INSERT … SELECT FROM file()/s3() per batch through the parse-once views into statements,
 * video_events and rejected_statements, then the ledger writes.
 */
export async function runFullSchema(rt: Runtime, spec: ScenarioSpec): Promise<ScenarioResult> {
  const source = spec.source;
  if (source.kind === 's3-bulk') {
    const payload = bulkPayloadSchema.parse({
      mode: 'bulk',
      s3_bucket: source.bucket,
      s3_prefix: 'section/',
      start_date: source.startDate,
      end_date: source.endDate,
    });
    return timed(async () => {
      const r = await runBulk(rt, payload);
      if (!r.success || !r.complete) throw new Error(`bulk run failed: ${JSON.stringify(r).slice(0, 500)}`);
      const lines = r.events_processed + r.events_rejected;
      return {
        lines,
        rows: lines + r.video_events_processed,
        detail: {
          files: r.files_processed,
          video_events: r.video_events_processed,
          rejected: r.events_rejected,
        },
      };
    });
  }
  const target = source.kind === 'file' ? source.path : `s3://${source.bucket}/${source.key}`;
  return timed(async () => {
    const r = await processFiles(rt, [target], { mode: 'bench' });
    if (r.totals.files_failed > 0) throw new Error(`load failed: ${r.files[0]?.error}`);
    const t = r.totals;
    return {
      lines: t.lines,
      rows: t.events_processed + t.events_rejected + t.video_events_processed,
      detail: {
        files: t.files_processed,
        video_events: t.video_events_processed,
        rejected: t.events_rejected,
      },
    };
  });
}
