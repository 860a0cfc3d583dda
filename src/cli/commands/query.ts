import type { Command } from 'commander';
import { repeatable } from '../repeatable.js';
import { withRuntime } from '../run-command.js';
import { runQuery } from '../run-query.js';

export default (command: Command): Command =>
  command
    .description('Run SQL against the configured engine, in CLICKHOUSE_DATABASE.')
    .argument('<sql>', 'The SQL to run, e.g. "SELECT count() FROM statements FINAL"')
    .option(
      '--format <format>',
      'A ClickHouse output format: TSV, CSV, JSONEachRow, Pretty, … (default: a readable table)',
    )
    .option(
      '--param <name=value>',
      'A query parameter name=value for {name:Type} placeholders (repeatable)',
      repeatable,
    )
    .action(query);

async function query(sql: string, args: { format?: string; param?: string[] }): Promise<void> {
  const params = Object.fromEntries(
    (args.param ?? []).map((p) => {
      const eq = p.indexOf('=');
      return [p.slice(0, eq), p.slice(eq + 1)];
    }),
  );
  await withRuntime(async (rt) => {
    process.stdout.write(await runQuery(rt, sql, { format: args.format, params }));
  });
}
