import { defineCommand } from 'citty';
import { planProcess, processFiles } from '../../modes/process-files.js';
import {
  formatIngestSummary,
  formatProcessPlan,
  processPlanJson,
  processResultJson,
  progressReporter,
} from '../format-ingest.js';
import { INTERRUPTED_EXIT_CODE, stopOnCtrlC } from '../interrupt.js';
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
    'dry-run': { type: 'boolean', description: 'List what would be loaded and what skipped; write nothing' },
    json: { type: 'boolean', description: 'Print the full result as JSON' },
  },
  async run({ args }) {
    const targets = args._.length > 0 ? args._ : [args.target];
    await withRuntime(async (rt) => {
      if (args['dry-run']) {
        const plan = await planProcess(rt, targets, { force: args.force });
        if (args.json) printJson(processPlanJson(plan));
        else console.log(formatProcessPlan(plan));
        return;
      }
      const interrupt = stopOnCtrlC();
      try {
        const result = await processFiles(rt, targets, {
          force: args.force,
          onProgress: args.json ? undefined : progressReporter(),
          signal: interrupt.signal,
        });
        const interrupted = interrupt.signal.aborted;
        if (args.json) printJson(processResultJson(result, interrupted));
        else console.log(formatIngestSummary(result, { interrupted }));
        if (interrupted) process.exitCode = INTERRUPTED_EXIT_CODE;
        else if (result.totals.files_failed > 0) process.exitCode = 1;
      } finally {
        interrupt.dispose();
      }
    });
  },
});
