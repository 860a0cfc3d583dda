import type { Command } from 'commander';
import { runDemo } from '../../tools/demo/run-demo.js';
import { reportFileOption } from '../option-values.js';
import { reportError } from '../run-command.js';

export default (command: Command): Command =>
  command
    .description(
      'The main job offline on the embedded engine: local S3 whose uploads invoke the Lambda handler, generated video sessions, a bulk backfill, a summary and report.html.',
    )
    .addOption(reportFileOption('--report'))
    .action(demo);

async function demo(args: { report: string }): Promise<void> {
  try {
    const demo = await runDemo({ reportPath: args.report });
    const s = demo.summary;
    const eventLoaded = demo.events.reduce((n, e) => n + e.files_processed, 0);
    const eventSkipped = demo.events.reduce((n, e) => n + e.files_skipped, 0);
    const lines = [
      '',
      'summary (from the embedded ClickHouse; XAPI_ETL_DATA_DIR, default .xapi-etl/)',
      `  files       ${demo.uploaded.history + demo.uploaded.live} uploaded: event mode loaded ${eventLoaded}, skipped ${eventSkipped}; backfill loaded ${demo.bulk.files_processed}, skipped ${demo.bulk.files_skipped}; ${s.files_loaded} in the ledger`,
      `  statements  ${s.statements} stored, ${s.voided} voided, ${s.active_statements} active; ${s.video_events} active video events`,
      `  rejected    ${s.rejected} lines: ${s.rejected_by_reason.map((r) => `${r.reason} ${r.lines}`).join(', ') || 'none'}`,
      '  video completion by section (viewers reaching the completion threshold):',
      ...s.completion_by_section.map(
        (c) =>
          `    section ${c.section_id.padEnd(6)} ${String(c.completers).padStart(4)} of ${String(c.viewers).padEnd(4)} viewers  ${(100 * c.completion_rate).toFixed(1)}%`,
      ),
      '',
      `report: ${demo.report.file} (open it in a browser; no network needed)`,
      `done in ${(demo.wallMs / 1000).toFixed(1)} s. Run it again: every file is skipped.`,
      'next: npx xapi-etl query "SELECT * FROM video_completion"',
    ];
    console.log(lines.join('\n'));
    if (demo.events.some((e) => !e.success) || !demo.bulk.success) process.exitCode = 1;
  } catch (error) {
    reportError(error);
  }
}
