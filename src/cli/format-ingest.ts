import type { IngestProgress } from '../load/ingest-types.js';
import { formatRejections } from '../modes/rejections.js';
import { describeObject, type SourceObject } from '../plan/source-object.js';
import { formatBytes, formatEta, formatRate } from './format-bytes.js';
import type { ProcessPlan, ProcessResult } from './process-files.js';
import { progressLine } from './progress-line.js';

/** Files listed one per line in a summary; beyond that, a count (every failure is always listed). */
const LISTED_FILES = 20;

export function formatIngestSummary(result: ProcessResult, options: { interrupted?: boolean } = {}): string {
  const t = result.totals;
  const failed = result.files.filter((f) => f.outcome === 'failed');
  const others = result.files.filter((f) => f.outcome !== 'failed');
  const lines = others.slice(0, LISTED_FILES).map((f) => {
    const where = describeObject({ kind: f.bucket ? 's3' : 'file', bucket: f.bucket, key: f.key });
    if (f.outcome === 'skipped')
      return `  skipped     ${where} (already loaded at this ETag; --force reloads)`;
    if (f.outcome === 'in_progress') return `  in progress ${where} (another load holds it now; it loads it)`;
    return `  ${f.outcome.padEnd(11)} ${where}: ${f.statements} statements, ${f.video_events} video events, ${f.rejected} rejected (${f.lines} lines)`;
  });
  if (others.length > LISTED_FILES)
    lines.push(`  … and ${others.length - LISTED_FILES} more (--json lists every file)`);
  for (const f of failed) {
    lines.push(
      `  FAILED      ${describeObject({ kind: f.bucket ? 's3' : 'file', bucket: f.bucket, key: f.key })}: ${f.error}`,
    );
  }
  lines.push(
    `files: ${t.files_processed} loaded, ${t.files_skipped} skipped, ${t.files_failed} failed` +
      `${t.files_in_progress > 0 ? `, ${t.files_in_progress} in progress elsewhere` : ''}; ` +
      `statements: ${t.events_processed} (video ${t.video_events_processed}), rejected: ${t.events_rejected}`,
  );
  const reasons = formatRejections(result.rejectedByReason);
  if (reasons) lines.push(`rejected by reason: ${reasons} (rows in rejected_statements)`);
  if (result.remaining.length > 0) {
    lines.push(
      `${options.interrupted ? 'stopped by Ctrl-C' : 'stopped'}: ${result.remaining.length} file(s) not loaded yet ` +
        `(${formatBytes(sumSizes(result.remaining))}); re-run the same command to load them (loaded files are skipped)`,
    );
  }
  return lines.join('\n');
}

export function formatProcessPlan(plan: ProcessPlan): string {
  const lines = [
    `dry run, nothing written: would load ${plan.load.length} file(s) (${formatBytes(sumSizes(plan.load))}), ` +
      `skip ${plan.skip.length} already loaded`,
  ];
  for (const o of plan.load.slice(0, LISTED_FILES))
    lines.push(`  load  ${describeObject(o)} (${formatBytes(o.size)})`);
  if (plan.load.length > LISTED_FILES)
    lines.push(`  … and ${plan.load.length - LISTED_FILES} more (--json lists every file)`);
  for (const o of plan.skip.slice(0, LISTED_FILES))
    lines.push(`  skip  ${describeObject(o)} (already loaded at this ETag)`);
  if (plan.skip.length > LISTED_FILES) lines.push(`  … and ${plan.skip.length - LISTED_FILES} more skipped`);
  return lines.join('\n');
}

function sumSizes(objects: SourceObject[]): number {
  return objects.reduce((n, o) => n + o.size, 0);
}

/**
 * Progress for long loads (progress-line.ts says where it goes). It moves within a batch: ClickHouse reports the
 * bytes read so far (see src/engine/running-queries.ts).
 */
export function progressReporter(say = progressLine(process.stderr)): (p: IngestProgress) => void {
  const started = Date.now();
  return (p) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? p.bytesDone / seconds : 0;
    const running = p.inFlight
      ? `  batch ${p.batch + 1}/${p.batches} running ${Math.round(p.inFlight.elapsedMs / 1000)} s`
      : '';
    const text =
      `files ${p.filesDone}/${p.filesTotal}  rows ${p.rowsDone}  ` +
      `${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)}  ${formatRate(rate)}  ` +
      `ETA ${formatEta(p.bytesTotal - p.bytesDone, rate)}${running}`;
    say(text, !p.inFlight && p.batch === p.batches);
  };
}

/** The result as JSON, in the one naming style of every JSON the CLI prints (snake_case). */
export function processResultJson(result: ProcessResult, interrupted: boolean) {
  return {
    files: result.files,
    totals: result.totals,
    rejected_by_reason: result.rejectedByReason,
    retryable_failure: result.retryableFailure,
    interrupted,
    remaining: result.remaining.map((o) => ({ ...o })),
  };
}

export function processPlanJson(plan: ProcessPlan) {
  return { dry_run: true, would_load: plan.load, already_loaded: plan.skip };
}
