import type { ClickHouseClient } from '@clickhouse/client';
import type { MigrationFile } from '../schema/migration-files.js';
import { renderStatement, type SchemaTarget } from '../schema/render.js';

/**
 * Derived files exist only in their latest version, yet a migration may apply one in the middle of a run (0003
 * pauses loads with the parse views and moves the raw rows through the routing): the latest parse views may read
 * a column that only a later migration adds (0004's `default_version`). So before such a step, the later
 * migrations' purely additive column statements — every clause `ADD COLUMN IF NOT EXISTS` — are applied early, on
 * the tables that exist by then. They are idempotent: when their own migration runs, they change nothing.
 */
const ADDITIVE =
  /^\s*ALTER TABLE\s+(?:\{\{local \w+\}\}|\S+)(?:\s+\{\{on_cluster\}\})?\s+(ADD COLUMN IF NOT EXISTS[\s\S]*)$/i;

/** An ALTER clause other than ADD COLUMN IF NOT EXISTS (ADD INDEX, DROP, MODIFY, UPDATE, …) waits for its migration. */
const OTHER_CLAUSE =
  /\b(?:ADD(?!\s+COLUMN\s+IF\s+NOT\s+EXISTS\b)|DROP|MODIFY|RENAME|CLEAR|MATERIALIZE|UPDATE|DELETE|FREEZE|ATTACH|DETACH|MOVE)\b/i;

export function additiveColumnStatements(later: MigrationFile[]): string[] {
  return later.flatMap((m) =>
    m.steps.flatMap((s) => {
      if (s.kind !== 'sql') return [];
      const sql = s.sql.replace(/^(\s*--[^\n]*\n)+/, '');
      const clauses = ADDITIVE.exec(sql)?.[1];
      if (!clauses) return [];
      const code = clauses.replace(/--[^\n]*/g, '').replace(/'(?:[^'\\]|\\.|'')*'/g, "''");
      return OTHER_CLAUSE.test(code) ? [] : [sql];
    }),
  );
}

export async function applyEarlyColumns(
  client: ClickHouseClient,
  later: MigrationFile[],
  target: SchemaTarget,
): Promise<void> {
  for (const sql of additiveColumnStatements(later)) {
    for (const r of renderStatement(sql, target)) {
      try {
        await client.command({ query: r.sql });
      } catch (error) {
        // A table a later migration creates: its own migration adds the column.
        const e = error as { code?: unknown; type?: unknown };
        if (String(e.code) !== '60' && e.type !== 'UNKNOWN_TABLE') throw error;
      }
    }
  }
}
