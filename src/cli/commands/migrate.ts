import { defineCommand } from 'citty';
import { migrate } from '../../schema/migrate.js';
import { printJson, withRuntime } from '../run-command.js';

export default defineCommand({
  meta: {
    name: 'migrate',
    description:
      'Apply the ClickHouse schema migrations in CLICKHOUSE_DATABASE (idempotent; ON CLUSTER with CLICKHOUSE_CLUSTER).',
  },
  args: { json: { type: 'boolean', description: 'Print the result as JSON' } },
  async run({ args }) {
    await withRuntime(
      async (rt) => {
        const result = await migrate(rt.engine.client, { target: rt.engine.schema });
        if (args.json) {
          return printJson({
            database: rt.engine.database,
            applied: result.applied,
            already_applied: result.alreadyApplied,
            latest_version: result.latestVersion,
          });
        }
        for (const m of result.applied)
          console.log(`applied ${String(m.version).padStart(4, '0')}_${m.name}`);
        console.log(
          `schema at version ${result.latestVersion} in ${rt.engine.database} ` +
            `(${result.applied.length} applied now, ${result.alreadyApplied} already applied)`,
        );
      },
      { migrateEmbedded: false },
    );
  },
});
