import type { Runtime } from '../../src/runtime.js';
import { timed } from '../timed.js';
import type { ScenarioResult, ScenarioSpec } from '../types.js';
import { linesSource } from './source-sql.js';

/** The floor: every line copied as is into a one-String-column MergeTree table, no parsing at all. */
export async function runRawCopy(rt: Runtime, spec: ScenarioSpec): Promise<ScenarioResult> {
  const client = rt.engine.client;
  await client.command({ query: 'CREATE TABLE raw_lines (line String) ENGINE = MergeTree ORDER BY tuple()' });
  const from = linesSource(spec.source);
  return timed(async () => {
    await client.command({
      query: `INSERT INTO raw_lines SELECT line FROM ${from.sql}`,
      query_params: from.params,
      // As many objects in flight as a load of many files uses (src/load/insert-settings.ts).
      clickhouse_settings: spec.source.kind === 's3-bulk' ? { max_threads: 16 } : {},
    });
    const rows = await count(rt, 'raw_lines');
    return { lines: rows, rows };
  });
}

export async function count(rt: Runtime, table: string): Promise<number> {
  const rs = await rt.engine.client.query({
    query: `SELECT count() AS n FROM ${table}`,
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ n: number | string }>();
  return Number(row?.n ?? 0);
}
