#!/usr/bin/env node
import { createRequire } from 'node:module';
import { type CommandDef, defineCommand, runMain } from 'citty';
import { closest } from './did-you-mean.js';
import { knownFlagsOnly } from './known-flags.js';

// Machines here run Node 20; the AWS SDK's notice that it will later need Node 22 is not for our users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** Each subcommand is loaded only when used, so `--help` stays instant; every one refuses unknown flags. */
const commands: Record<string, () => Promise<{ default: object }>> = {
  migrate: () => import('./commands/migrate.js'),
  erase: () => import('./commands/erase.js'),
  expire: () => import('./commands/expire.js'),
  cleanup: () => import('./commands/cleanup.js'),
  process: () => import('./commands/process.js'),
  query: () => import('./commands/query.js'),
  demo: () => import('./commands/demo.js'),
  'local-s3': () => import('./commands/local-s3.js'),
  generate: () => import('./commands/generate.js'),
  invoke: () => import('./commands/invoke.js'),
  bulk: () => import('./commands/bulk.js'),
  health: () => import('./commands/health.js'),
  report: () => import('./commands/report.js'),
};

/** The xapi-etl CLI. */
export const main = defineCommand({
  meta: {
    name: 'xapi-etl',
    version,
    description:
      'Load xAPI JSONL bundles from S3 (or local files) into ClickHouse, with ClickHouse doing the reading.',
  },
  subCommands: Object.fromEntries(
    Object.entries(commands).map(([name, load]) => [
      name,
      async () => {
        const cmd = (await load()).default as CommandDef;
        return { ...cmd, plugins: [...(cmd.plugins ?? []), knownFlagsOnly(name)] };
      },
    ]),
  ),
});

const [first] = process.argv.slice(2);
if (first && !first.startsWith('-') && !(first in commands)) {
  const near = closest(first, Object.keys(commands));
  process.stderr.write(
    `xapi-etl: unknown command "${first}"${near ? ` (did you mean ${near}?)` : ''}\n` +
      'Run `xapi-etl --help` for the commands.\n',
  );
  process.exit(2);
}
runMain(main);
