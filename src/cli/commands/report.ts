import type { Command } from 'commander';
import { writeReport } from '../../tools/report/write-report.js';
import { reportFileOption } from '../option-values.js';
import { withRuntime } from '../run-command.js';

export default (command: Command): Command =>
  command
    .description(
      'Write a self-contained HTML report (charts as inline SVG, no network needed): retention, completion, activity, rejections.',
    )
    .addOption(reportFileOption('--out'))
    .action(({ out }: { out: string }) =>
      withRuntime(async (rt) => {
        const report = await writeReport(rt.engine.client, out, { source: `database ${rt.config.database}` });
        const kib = (report.bytes / 1024).toFixed(0);
        console.log(`report written: ${report.file} (${kib} KiB, charts: ${report.charts.join(', ')})`);
      }),
    );
