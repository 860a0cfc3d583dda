import { defineCommand } from 'citty';
import { runQuery } from '../../modes/run-query.js';
import { collectRepeated } from '../repeated-flag.js';
import { withRuntime } from '../run-command.js';

export default defineCommand({
  meta: { name: 'query', description: 'Run SQL against the configured engine, in CLICKHOUSE_DATABASE.' },
  args: {
    sql: {
      type: 'positional',
      description: 'The SQL to run, e.g. "SELECT count() FROM statements FINAL"',
      required: true,
    },
    format: {
      type: 'string',
      description: 'A ClickHouse output format: TSV, CSV, JSONEachRow, Pretty, … (default: a readable table)',
    },
    param: {
      type: 'string',
      description: 'A query parameter name=value for {name:Type} placeholders (repeatable)',
    },
  },
  async run({ args, rawArgs }) {
    const params = Object.fromEntries(
      collectRepeated(rawArgs, '--param').map((p) => {
        const eq = p.indexOf('=');
        return [p.slice(0, eq), p.slice(eq + 1)];
      }),
    );
    await withRuntime(async (rt) => {
      process.stdout.write(await runQuery(rt, args.sql, { format: args.format, params }));
    });
  },
});
