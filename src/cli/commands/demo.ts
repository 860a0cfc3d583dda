import { defineCommand } from 'citty';
import { runDemo } from '../../demo/run-demo.js';
import { formatIngestSummary } from '../format-ingest.js';
import { reportError } from '../run-command.js';

export default defineCommand({
  meta: {
    name: 'demo',
    description:
      'Run the main job offline on the embedded engine: local S3, upload bundles, load them, print the counts.',
  },
  async run() {
    try {
      const demo = await runDemo();
      console.log(formatIngestSummary(demo.result));
      console.log('\ntables in the embedded ClickHouse (XAPI_ETL_DATA_DIR, default .xapi-etl/):');
      for (const [table, n] of Object.entries(demo.tables)) console.log(`  ${table.padEnd(22)} ${n}`);
      console.log(
        '\nnext: npx xapi-etl query "SELECT verb_display, count() FROM statements FINAL GROUP BY 1"',
      );
    } catch (error) {
      reportError(error);
    }
  },
});
