import type { Command } from 'commander';
import { cleanupSuperseded } from '../../cleanup/cleanup.js';
import { wholeNumber } from '../option-values.js';
import { printJson, withRuntime } from '../run-command.js';

interface CleanupOptions {
  dryRun?: boolean;
  batchSize?: number;
  json?: boolean;
}

export default (command: Command): Command =>
  command
    .description(
      'Delete what is left of loads that a reload, retry or takeover replaced (superseded_loads), a month at a ' +
        'time, and recompute the analytics they touched. The Lambda runs it at most hourly; loads never wait for it.',
    )
    .option('--dry-run', 'Only count the loads, months and rows that would go')
    .option(
      '--batch-size <n>',
      'Superseded loads per batch (default 1000)',
      wholeNumber('--batch-size', 1, 10_000),
    )
    .option('--json', 'Print the result as JSON')
    .action(cleanup);

async function cleanup(args: CleanupOptions): Promise<void> {
  await withRuntime(async (rt) => {
    const result = await cleanupSuperseded(rt.engine.client, {
      schema: rt.engine.schema,
      dryRun: args.dryRun,
      batchSize: args.batchSize,
    });
    if (args.json) return printJson(result);
    const verb = result.dry_run ? 'would delete' : 'deleted';
    for (const [table, rows] of Object.entries(result.rows))
      console.log(`${verb} ${rows} row(s) of ${table} in ${result.partitions[table]?.join(', ')}`);
    console.log(
      result.loads === 0
        ? 'nothing to clean up: no superseded load is waiting'
        : `${result.loads} superseded load(s) ${result.dry_run ? 'waiting' : 'cleaned up'}`,
    );
  });
}
