import { defineCommand } from 'citty';
import { writeReport } from '../../report/write-report.js';
import { withRuntime } from '../run-command.js';

export default defineCommand({
  meta: {
    name: 'report',
    description:
      'Write a self-contained HTML report (charts as inline SVG, no network needed): retention, completion, activity, rejections.',
  },
  args: {
    out: { type: 'string', description: 'Output file', default: 'report.html' },
  },
  async run({ args }) {
    await withRuntime(async (rt) => {
      const report = await writeReport(rt.engine.client, args.out, {
        source: `database ${rt.config.database}`,
      });
      console.log(
        `report written: ${report.file} (${(report.bytes / 1024).toFixed(0)} KiB, charts: ${report.charts.join(', ')})`,
      );
    });
  },
});
