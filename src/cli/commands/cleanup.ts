import { defineCommand } from 'citty';
import { cleanupSuperseded } from '../../cleanup/cleanup.js';
import { InputError } from '../../errors.js';
import { printJson, withRuntime } from '../run-command.js';

export default defineCommand({
  meta: {
    name: 'cleanup',
    description:
      'Delete what is left of loads that a reload, retry or takeover replaced (superseded_loads), a month at a ' +
      'time, and recompute the analytics they touched. The Lambda runs it at most hourly; loads never wait for it.',
  },
  args: {
    'dry-run': { type: 'boolean', description: 'Only count the loads, months and rows that would go' },
    'batch-size': { type: 'string', description: 'Superseded loads per batch (default 1000)' },
    json: { type: 'boolean', description: 'Print the result as JSON' },
  },
  async run({ args }) {
    await withRuntime(async (rt) => {
      const batchSize = args['batch-size'] === undefined ? undefined : Number(args['batch-size']);
      if (batchSize !== undefined && !(Number.isInteger(batchSize) && batchSize >= 1 && batchSize <= 10_000))
        throw new InputError('--batch-size is a whole number from 1 to 10000');
      const result = await cleanupSuperseded(rt.engine.client, {
        schema: rt.engine.schema,
        dryRun: args['dry-run'],
        batchSize,
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
  },
});
