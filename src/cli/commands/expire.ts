import { defineCommand } from 'citty';
import { InputError } from '../../errors.js';
import { expireData } from '../../retention/expire.js';
import { printJson, withRuntime } from '../run-command.js';

export default defineCommand({
  meta: {
    name: 'expire',
    description:
      'Drop the months older than the retention (XAPI_RETENTION_DAYS or --days) from the raw tables, whole ' +
      'partitions at a time, and recompute the analytics they counted in.',
  },
  args: {
    days: { type: 'string', description: 'Keep this many days (default: XAPI_RETENTION_DAYS)' },
    'dry-run': { type: 'boolean', description: 'Only list the months and rows that would leave' },
    json: { type: 'boolean', description: 'Print the result as JSON' },
  },
  async run({ args }) {
    await withRuntime(async (rt) => {
      const days = args.days !== undefined ? Number(args.days) : rt.config.retentionDays;
      if (days === undefined) throw new InputError('no retention: set XAPI_RETENTION_DAYS or pass --days N');
      const result = await expireData(rt.engine.client, {
        retentionDays: days,
        dryRun: args['dry-run'],
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
        console.log(
          `${verb} ${result.rows.statements_without_time} statement(s) without a time of their own`,
        );
      console.log(
        `retention ${result.retention_days} days: everything before ${result.before_month} ${verb === 'dropped' ? 'is gone' : 'would go'}`,
      );
    });
  },
});
