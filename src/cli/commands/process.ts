import type { Command } from 'commander';
import {
  formatIngestSummary,
  formatProcessPlan,
  processPlanJson,
  processResultJson,
  progressReporter,
} from '../format-ingest.js';
import { INTERRUPTED_EXIT_CODE, stopOnCtrlC } from '../interrupt.js';
import { planProcess, processFiles } from '../process-files.js';
import { printJson, withRuntime } from '../run-command.js';

interface ProcessOptions {
  force?: boolean;
  dryRun?: boolean;
  json?: boolean;
}

export default (command: Command): Command =>
  command
    .description(
      'Load files exactly once: s3://bucket/key, s3://bucket/prefix/ (every bundle under it), or local files and folders (embedded engine).',
    )
    .argument(
      '<target...>',
      's3://bucket/key | s3://bucket/prefix/ | ./file.jsonl[.gz] | ./folder/ (several allowed)',
    )
    .option('--force', 'Reload files the ledger already has at this ETag (no duplicates are left)')
    .option('--dry-run', 'List what would be loaded and what skipped; write nothing')
    .option('--json', 'Print the full result as JSON')
    .action(processCommand);

async function processCommand(targets: string[], args: ProcessOptions): Promise<void> {
  await withRuntime(async (rt) => {
    if (args.dryRun) {
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
}
