import { defineCommand } from 'citty';
import { processFiles } from '../../modes/process-files.js';
import { formatIngestSummary, progressReporter } from '../format-ingest.js';
import { printJson, withRuntime } from '../run-command.js';

export default defineCommand({
  meta: {
    name: 'process',
    description:
      'Load files exactly once: s3://bucket/key, s3://bucket/prefix/ (every bundle under it), or local files and folders (embedded engine).',
  },
  args: {
    target: {
      type: 'positional',
      description: 's3://bucket/key | s3://bucket/prefix/ | ./file.jsonl[.gz] | ./folder/ (several allowed)',
      required: true,
    },
    force: {
      type: 'boolean',
      description: 'Reload files the ledger already has at this ETag (no duplicates are left)',
    },
    json: { type: 'boolean', description: 'Print the full result as JSON' },
  },
  async run({ args }) {
    const targets = args._.length > 0 ? args._ : [args.target];
    await withRuntime(async (rt) => {
      const result = await processFiles(rt, targets, {
        force: args.force,
        onProgress: args.json ? undefined : progressReporter(),
      });
      if (args.json) printJson(result);
      else console.log(formatIngestSummary(result));
      if (result.totals.files_failed > 0) process.exitCode = 1;
    });
  },
});
