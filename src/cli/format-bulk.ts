import type { BulkModeResult, BulkProgress } from '../modes/bulk.js';
import { formatRejections } from '../modes/rejections.js';
import { formatBytes, formatEta, formatRate } from './format-bytes.js';
import { progressLine } from './progress-line.js';

/** A short human summary of a bulk result (the JSON has every detail). */
export function formatBulkSummary(r: BulkModeResult, options: { interrupted?: boolean } = {}): string {
  const lines: string[] = [];
  const range = `${r.start_date ?? 'the beginning'} … ${r.end_date ?? 'today'}`;
  const sections = new Map<string, { files: number; bytes: number; days: number }>();
  for (const d of r.planned.by_section_day) {
    const s = sections.get(d.section_id) ?? { files: 0, bytes: 0, days: 0 };
    s.files += d.files;
    s.bytes += d.bytes;
    s.days += 1;
    sections.set(d.section_id, s);
  }
  lines.push(
    `${r.dry_run ? 'plan (dry run, nothing written)' : 'planned'}: ${r.planned.files} files, ${formatBytes(r.planned.bytes)} ` +
      `in s3://${r.bucket}/${r.prefix}, ${range}${r.run.invocation > 1 ? ` (resumed: run part ${r.run.invocation})` : ''}`,
  );
  for (const [id, s] of sections) {
    lines.push(
      `  section ${id.padEnd(12)} ${String(s.files).padStart(7)} files ${formatBytes(s.bytes).padStart(10)} over ${s.days} day(s)`,
    );
  }
  if (r.dry_run) {
    if (r.planned.already_loaded !== undefined)
      lines.push(`already loaded (would be skipped): ${r.planned.already_loaded}`);
    return lines.join('\n');
  }
  lines.push(
    `files: ${r.files_processed} loaded, ${r.files_skipped} skipped, ${r.files_failed} failed; ` +
      `statements: ${r.events_processed} (video ${r.video_events_processed}), rejected: ${r.events_rejected}; ` +
      `${formatBytes(r.bytes_loaded)} read by ClickHouse`,
  );
  const reasons = formatRejections(r.rejected_by_reason ?? {});
  if (reasons) lines.push(`rejected by reason: ${reasons} (rows in rejected_statements)`);
  for (const f of r.failed_files ?? []) lines.push(`  FAILED ${f.key}: ${f.error}`);
  if (!r.complete && r.continuation) {
    lines.push(
      `INCOMPLETE: ${options.interrupted ? 'stopped by Ctrl-C' : 'stopped by the time budget'} after ${r.continuation.after_key}; ` +
        `${r.remaining_files} planned file(s) left. Run the same command again: it resumes there (--force included).`,
    );
  }
  return lines.join('\n');
}

/**
 * Live progress: one updating line on a terminal, plain lines otherwise (progress-line.ts).
 * Bytes move within a batch (ClickHouse reports what it has read so far).
 */
export function bulkProgressReporter(say = progressLine(process.stderr)): (p: BulkProgress) => void {
  const started = Date.now();
  let lastDone = -1;
  return (p) => {
    const last = p.filesDone >= p.filesTotal;
    if (last && lastDone === p.filesDone) return; // the end of a batch and of its window: said once
    lastDone = p.filesDone;
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? p.bytesDone / seconds : 0;
    const rows = seconds > 0 ? Math.round(p.rowsDone / seconds) : 0;
    const text =
      `files ${p.filesDone}/${p.filesTotal} (${p.filesSkipped} skipped)  rows ${p.rowsDone} (${rows}/s)  ` +
      `${formatBytes(p.bytesDone)}/${formatBytes(p.bytesTotal)}  ${formatRate(rate)}  ETA ${formatEta(p.bytesTotal - p.bytesDone, rate)}`;
    say(text, last);
  };
}
