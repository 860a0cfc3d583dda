import type { ClickHouseClient } from '@clickhouse/client';
import { errorMessage, MigrationError } from '../errors.js';
import { renderStatement, type SchemaTarget } from './render.js';

/**
 * Applies a derived file (views and materialized views) in place, so that a load never meets a missing object:
 * a view is `CREATE OR REPLACE`d (an atomic swap), a materialized view that exists gets its query replaced with
 * `ALTER TABLE … MODIFY QUERY` (ClickHouse swaps it between two blocks of an INSERT; its target stays). A
 * materialized view must keep its target table: moving it is a versioned migration's job.
 */
const MATERIALIZED =
  /^CREATE MATERIALIZED VIEW IF NOT EXISTS ([A-Za-z_][A-Za-z0-9_]*) (\{\{on_cluster\}\} )?TO ([A-Za-z_][A-Za-z0-9_]*) AS\s*\n([\s\S]+)$/;
const VIEW = /^CREATE OR REPLACE VIEW /;

export async function applyDerivedStatements(
  client: ClickHouseClient,
  file: string,
  statements: string[],
  target: SchemaTarget,
): Promise<void> {
  for (const statement of statements) {
    try {
      await applyOne(client, statement, target);
    } catch (cause) {
      throw new MigrationError(
        `Derived ${file} failed: ${errorMessage(cause)}\nStatement:\n${statement.slice(0, 400)}`,
        { cause },
      );
    }
  }
}

async function applyOne(client: ClickHouseClient, statement: string, target: SchemaTarget): Promise<void> {
  const mv = MATERIALIZED.exec(statement);
  if (mv) {
    const [, name, onCluster, to, select] = mv as unknown as [
      string,
      string,
      string | undefined,
      string,
      string,
    ];
    const existing = await materializedTarget(client, name);
    if (existing === undefined) return run(client, statement, target);
    if (existing !== to)
      throw new MigrationError(
        `materialized view ${name} writes to ${existing}, the derived file says ${to}: a target moves in a versioned migration`,
      );
    return run(client, `ALTER TABLE ${name} ${onCluster ?? ''}MODIFY QUERY\n${select}`, target);
  }
  if (VIEW.test(statement)) return run(client, statement, target);
  throw new MigrationError(
    `a derived file holds views and materialized views only; tables go in a versioned migration: ${statement.slice(0, 80)}`,
  );
}

async function run(client: ClickHouseClient, sql: string, target: SchemaTarget): Promise<void> {
  for (const r of renderStatement(sql, target)) await client.command({ query: r.sql });
}

/** The table a materialized view writes to, or undefined when there is no such view. */
async function materializedTarget(client: ClickHouseClient, name: string): Promise<string | undefined> {
  const rs = await client.query({
    query: `SELECT create_table_query FROM system.tables
            WHERE database = currentDatabase() AND name = {name:String} AND engine = 'MaterializedView'`,
    query_params: { name },
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ create_table_query: string }>();
  if (!row) return undefined;
  const to = /\bTO\s+(?:`?[A-Za-z0-9_]+`?\.)?`?([A-Za-z0-9_]+)`?/.exec(row.create_table_query);
  return to?.[1];
}
