import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { expireData } from '../../retention/expire.js';
import { wholeNumber } from '../option-values.js';
import { printJson, withRuntime } from '../run-command.js';

interface ExpireOptions {
  days?: number;
  dryRun?: boolean;
  json?: boolean;
}

export default (command: Command): Command =>
  command
    .description(
      'Drop the months older than the retention (XAPI_RETENTION_DAYS or --days) from the raw tables, whole ' +
        'partitions at a time, and recompute the analytics they counted in.',
    )
    .option('--days <n>', 'Keep this many days (default: XAPI_RETENTION_DAYS)', wholeNumber('--days', 1))
    .option('--dry-run', 'Only list the months and rows that would leave')
    .option('--json', 'Print the result as JSON')
    .action(expire);

async function expire(args: ExpireOptions): Promise<void> {
  await withRuntime(async (rt) => {
    const days = args.days ?? rt.config.retentionDays;
    if (days === undefined) throw new InputError('no retention: set XAPI_RETENTION_DAYS or pass --days N');
    const result = await expireData(rt.engine.client, {
      retentionDays: days,
      dryRun: args.dryRun,
      schema: rt.engine.schema,
    });
    if (args.json) return printJson(result);
    const verb = result.dry_run ? 'would drop' : 'dropped';
    for (const [table, months] of Object.entries(result.partitions)) {
      if (months.length > 0)
        console.log(
          `${verb} ${months.length} month(s) of ${table} (${result.rows[table]} rows): ${months.join(', ')}`,
        );
    }
    if (result.rows.statements_without_time)
      console.log(`${verb} ${result.rows.statements_without_time} statement(s) without a time of their own`);
    console.log(
      `retention ${result.retention_days} days: everything before ${result.before_month} ${verb === 'dropped' ? 'is gone' : 'would go'}`,
    );
  });
}
