import type { BulkModeResult, BulkProgress } from '../modes/bulk.js';

/** A short human summary of a bulk result (the JSON has every detail). */
export function formatBulkSummary(r: BulkModeResult): string {
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
    `${r.dry_run ? 'plan (dry run, nothing written)' : 'planned'}: ${r.planned.files} files, ${mb(r.planned.bytes)} MB ` +
      `in s3://${r.bucket}/${r.prefix}, ${range}`,
  );
  for (const [id, s] of sections) {
    lines.push(
      `  section ${id.padEnd(12)} ${String(s.files).padStart(7)} files ${mb(s.bytes).padStart(9)} MB over ${s.days} day(s)`,
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
      `${mb(r.bytes_loaded)} MB read by ClickHouse`,
  );
  for (const f of r.failed_files ?? []) lines.push(`  FAILED ${f.key}: ${f.error}`);
  if (!r.complete && r.continuation) {
    lines.push(
      `stopped by the time budget after ${r.continuation.after_key}; re-run the same command to finish ` +
        "(loaded files are skipped), or pass the JSON result's continuation to `xapi-etl invoke`.",
    );
  }
  return lines.join('\n');
}

/** Live progress: one updating line on a terminal, plain lines (at most every 2 s) otherwise. */
export function bulkProgressReporter(stream: NodeJS.WriteStream = process.stderr): (p: BulkProgress) => void {
  const started = Date.now();
  let lastPlain = 0;
  return (p) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? p.bytesDone / seconds : 0;
    const remaining = Math.max(0, p.bytesTotal - p.bytesDone);
    const eta = rate > 0 ? `${Math.ceil(remaining / rate)} s` : '?';
    const rows = seconds > 0 ? Math.round(p.rowsDone / seconds) : 0;
    const text =
      `files ${p.filesDone}/${p.filesTotal} (${p.filesSkipped} skipped)  rows ${p.rowsDone} (${rows}/s)  ` +
      `${mb(p.bytesDone)}/${mb(p.bytesTotal)} MB  ${mb(rate)} MB/s  ETA ${eta}`;
    const last = p.filesDone >= p.filesTotal;
    if (stream.isTTY) {
      stream.write(`\r\x1b[2K${text}${last ? '\n' : ''}`);
    } else if (last || Date.now() - lastPlain >= 2000) {
      lastPlain = Date.now();
      stream.write(`${text}\n`);
    }
  };
}

function mb(bytes: number): string {
  return (bytes / 1_048_576).toFixed(1);
}
