#!/usr/bin/env node
import { createRequire } from 'node:module';
import { Command, CommanderError } from 'commander';

// Machines here run Node 20; the AWS SDK's notice that it will later need Node 22 is not for our users.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// `xapi-etl --help | head`: a reader that stops early is not an error (commander writes to stdout
// directly, where citty's console.log ignored it; an unhandled EPIPE printed a stack trace).
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

const { version } = createRequire(import.meta.url)('../../package.json') as { version: string };

/** A command module: its default export gives the command registered under its name its options and action. */
export type DefineCommand = (command: Command) => Command;

/**
 * The commands, each with the line the top-level help shows. A command's module (its options, its
 * action and what they import) is loaded only when that command runs or shows its help: `xapi-etl
 * --help` loads none, and one command never loads another's dependencies.
 */
const commands: Record<string, [summary: string, load: () => Promise<{ default: DefineCommand }>]> = {
  migrate: ['Bring the ClickHouse schema to this version, in place', () => import('./commands/migrate.js')],
  erase: ['Remove learners everywhere and keep them out of later loads', () => import('./commands/erase.js')],
  expire: ['Drop the months older than the retention', () => import('./commands/expire.js')],
  cleanup: ['Delete what is left of superseded loads', () => import('./commands/cleanup.js')],
  process: [
    'Load files exactly once (S3 keys, prefixes, local files)',
    () => import('./commands/process.js'),
  ],
  query: ['Run SQL against the configured engine', () => import('./commands/query.js')],
  demo: ['The main job offline, end to end, with a report', () => import('./commands/demo.js')],
  'local-s3': [
    'Run a local S3 server to try xapi-etl on your machine',
    () => import('./commands/local-s3.js'),
  ],
  generate: ['Write seeded, reproducible xAPI Video Profile bundles', () => import('./commands/generate.js')],
  invoke: ['Run the Lambda handler locally on a payload', () => import('./commands/invoke.js')],
  bulk: ['Backfill bundles by section and date range', () => import('./commands/bulk.js')],
  health: ['Check ClickHouse, the schema, S3 and stuck files', () => import('./commands/health.js')],
  report: ['Write a self-contained HTML report', () => import('./commands/report.js')],
};

/** A usage error (unknown option or command, missing argument): exit code 2, nothing done. */
const USAGE_EXIT_CODE = 2;

/**
 * commander checks the command line itself (unknown options and commands, with its own suggestion,
 * missing and excess arguments); this only words its message as the CLI does and says where to look:
 * `xapi-etl bulk: unknown option --strat (did you mean --start?)`.
 */
function usageMessage(message: string, command?: string): string {
  const [said = '', hint] = message
    .trim()
    .replace(/^error: /, '')
    .split('\n');
  const what = said
    .replace(/^unknown option '(.*)'$/, 'unknown option $1')
    // A value an option's parser refused (option-values.ts): its own words, and what was given.
    .replace(/^option '.*' argument '(.*)' is invalid\. (.*)$/, '$2 (got "$1")')
    .replace(/^unknown command '(.*)'$/, 'unknown command "$1"');
  const near = hint?.match(/^\(Did you mean (.*)\?\)$/)?.[1];
  const who = command ? `xapi-etl ${command}` : 'xapi-etl';
  return (
    `${who}: ${what}${near ? ` (did you mean ${near}?)` : ''}\n` +
    `Run \`${who} --help\` for ${command ? 'its options' : 'the commands'}.\n`
  );
}

const program = new Command('xapi-etl')
  .description(
    'Load xAPI JSONL bundles from S3 (or local files) into ClickHouse, with ClickHouse doing the reading.',
  )
  .version(version, '-V, --version', 'Print the version')
  .helpOption('-h, --help', 'Show the options')
  .helpCommand(false)
  .addHelpText('after', '\nRun `xapi-etl <command> --help` for its options.')
  // Options of xapi-etl itself (--version) come before the command; after it, only the command's own.
  .enablePositionalOptions()
  .showSuggestionAfterError()
  .exitOverride()
  .configureOutput({ outputError: (message, write) => write(usageMessage(message)) });

// Subcommands inherit the settings above; each is defined only once it is about to run.
for (const [name, [summary]] of Object.entries(commands)) {
  program
    .command(name)
    .summary(summary)
    .configureOutput({ outputError: (message, write) => write(usageMessage(message, name)) });
}
program.hook('preSubcommand', async (_, command) => {
  const [, load] = commands[command.name()] as (typeof commands)[string];
  (await load()).default(command);
});

try {
  await program.parseAsync();
} catch (error) {
  // exitOverride: commander throws where it would exit, after printing help, the version or the error.
  if (error instanceof CommanderError) process.exitCode = error.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
  else (await import('./run-command.js')).reportError(error);
}
