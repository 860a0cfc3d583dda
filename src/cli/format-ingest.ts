import type { IngestProgress, IngestResult } from '../load/ingest.js';
import { describeObject } from '../plan/source-object.js';

export function formatIngestSummary(result: IngestResult): string {
  const t = result.totals;
  const lines = result.files.map((f) => {
    const where = describeObject({ kind: f.bucket ? 's3' : 'file', bucket: f.bucket, key: f.key });
    if (f.outcome === 'skipped')
      return `  skipped     ${where} (already loaded at this ETag; --force reloads)`;
    if (f.outcome === 'failed') return `  FAILED      ${where}: ${f.error}`;
    return `  ${f.outcome.padEnd(11)} ${where}: ${f.statements} statements, ${f.video_events} video events, ${f.rejected} rejected (${f.lines} lines)`;
  });
  lines.push(
    `files: ${t.files_processed} loaded, ${t.files_skipped} skipped, ${t.files_failed} failed; ` +
      `statements: ${t.events_processed} (video ${t.video_events_processed}), rejected: ${t.events_rejected}`,
  );
  return lines.join('\n');
}

/** Progress for long loads: a live line on a terminal, plain lines otherwise (logs, CI). */
export function progressReporter(stream: NodeJS.WriteStream = process.stderr): (p: IngestProgress) => void {
  const started = Date.now();
  return (p) => {
    const seconds = (Date.now() - started) / 1000;
    const rate = seconds > 0 ? p.bytesDone / seconds : 0;
    const eta = rate > 0 ? (p.bytesTotal - p.bytesDone) / rate : 0;
    const text =
      `batch ${p.batch}/${p.batches}  files ${p.filesDone}/${p.filesTotal}  rows ${p.rowsDone}  ` +
      `${mb(p.bytesDone)}/${mb(p.bytesTotal)} MB  ${mb(rate)} MB/s  ETA ${Math.ceil(eta)} s`;
    if (stream.isTTY) stream.write(`\r${text}${p.batch === p.batches ? '\n' : ''}`);
    else stream.write(`${text}\n`);
  };
}

function mb(bytes: number): string {
  return (bytes / 1_048_576).toFixed(1);
}
