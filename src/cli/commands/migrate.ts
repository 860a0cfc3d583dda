import type { Command } from 'commander';
import { engineThreads } from '../../load/insert-settings.js';
import { label } from '../../schema/migration-files.js';
import { migrate } from '../../upgrade/migrate.js';
import { sayEvent } from '../format-migrate.js';
import { printJson, withRuntime } from '../run-command.js';

export default (command: Command): Command =>
  command
    .description(
      'Bring the ClickHouse schema in CLICKHOUSE_DATABASE to this version, in place (idempotent, resumable): ' +
        'migrations, derived views, a rebuild of the analytics when their definition changed, and a catch-up of ' +
        'loads made meanwhile. ON CLUSTER with CLICKHOUSE_CLUSTER.',
    )
    .option('--json', 'Print the result as JSON')
    .action(migrateCommand);

async function migrateCommand(args: { json?: boolean }): Promise<void> {
  // Ctrl-C stops a rebuild between two sections; the next migrate carries on there.
  let stop = false;
  const onSigint = () => {
    stop = true;
    process.stderr.write('xapi-etl migrate: stopping after this section (run migrate again to carry on)\n');
  };
  process.once('SIGINT', onSigint);
  try {
    await withRuntime(
      async (rt) => {
        const result = await migrate(rt.engine.client, {
          target: rt.engine.schema,
          threads: await engineThreads(rt.engine.client, rt.config.insertThreads),
          cluster: rt.engine.cluster,
          onEvent: sayEvent,
          shouldStop: () => stop,
        });
        if (args.json) {
          return printJson({
            database: rt.engine.database,
            applied: result.applied,
            already_applied: result.alreadyApplied,
            latest_version: result.latestVersion,
            derived: result.derived,
            rebuild: result.rebuild ?? null,
            caught_up_loads: result.caughtUpLoads,
          });
        }
        for (const m of result.applied) console.log(`applied ${label(m)}`);
        for (const d of result.derived) console.log(`applied derived/${d}`);
        if (result.rebuild?.status === 'stopped') {
          console.log(
            `analytics rebuild stopped after ${result.rebuild.sections} section(s): run \`xapi-etl migrate\` again to finish it ` +
              '(until then the views show the previous definition)',
          );
          process.exitCode = 1;
        }
        console.log(
          `schema at version ${result.latestVersion} in ${rt.engine.database} ` +
            `(${result.applied.length} applied now, ${result.alreadyApplied} already applied` +
            `${result.caughtUpLoads > 0 ? `; ${result.caughtUpLoads} recent load(s) caught up` : ''})`,
        );
      },
      { migrateEmbedded: false },
    );
  } finally {
    process.off('SIGINT', onSigint);
  }
}
