import type { ClickHouseClient } from '@clickhouse/client';
import { refreshAnalytics } from '../analytics/refresh.js';
import { localName, onClusterClause, type SchemaTarget } from '../schema/render.js';
import { TABLES_WITH_LOAD_ROWS } from './superseded.js';

/**
 * `xapi-etl cleanup` (and the Lambda, at most hourly): deletes what is left of superseded loads
 * (src/cleanup/superseded.ts), off the load path. Per batch of loads and per table, one lightweight DELETE per
 * partition (month) their rows are in, confined to it (`IN PARTITION ID`) and to their sections' range of the
 * sort key; then the analytics of the keys those loads touched are recomputed, and the loads are marked
 * cleaned. Until then the raw tables can hold two copies of a reloaded row (their FINAL view, and every view
 * built on it, holds one), and a line whose outcome changed between the loads (a rule fix made a statement of a
 * rejected line, or the reverse) is in both tables.
 */
export interface CleanupOptions {
  schema?: SchemaTarget;
  dryRun?: boolean;
  /** Loads per batch (default 1,000): bounds each DELETE's parameter list and what one pass holds. */
  batchSize?: number;
  /** At most this many batches (default: until none is left). */
  maxBatches?: number;
}

export interface CleanupResult {
  dry_run: boolean;
  /** Superseded loads cleaned (or, on a dry run, waiting). */
  loads: number;
  /** table → rows deleted (or that would be). */
  rows: Record<string, number>;
  /** table → partitions a DELETE ran in (or would). */
  partitions: Record<string, string[]>;
}

const DEFAULT_BATCH = 1000;
const PARTITION_ID = /^\d{6}$/;

export async function cleanupSuperseded(
  client: ClickHouseClient,
  options: CleanupOptions = {},
): Promise<CleanupResult> {
  const result: CleanupResult = { dry_run: options.dryRun === true, loads: 0, rows: {}, partitions: {} };
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  for (let batch = 0; batch < (options.maxBatches ?? Number.POSITIVE_INFINITY); batch++) {
    const pending = await pendingLoads(client, batchSize, options.dryRun ? batch * batchSize : 0);
    if (pending.length === 0) break;
    const ids = pending.map((p) => p.id);
    const sections = [...new Set(pending.map((p) => p.section_id))];
    for (const [table, monthOf] of TABLES_WITH_LOAD_ROWS) {
      for (const { partition, rows } of await partitionsHolding(client, table, monthOf, ids, sections)) {
        result.rows[table] = (result.rows[table] ?? 0) + rows;
        result.partitions[table] = [...(result.partitions[table] ?? []), partition];
        if (!options.dryRun) await deleteIn(client, table, partition, ids, sections, options.schema);
      }
    }
    result.loads += pending.length;
    if (options.dryRun) {
      if (pending.length < batchSize) break;
      continue;
    }
    await refreshAnalytics(client, ids, { schema: options.schema });
    await markCleaned(client, pending);
    if (pending.length < batchSize) break;
  }
  for (const list of Object.values(result.partitions)) list.splice(0, list.length, ...new Set(list));
  return result;
}

type Pending = { id: string; section_id: string; superseded_by: string };

async function pendingLoads(client: ClickHouseClient, limit: number, offset: number): Promise<Pending[]> {
  const rs = await client.query({
    query: `SELECT toString(load_id) AS id, section_id, toString(superseded_by) AS superseded_by
            FROM superseded_loads FINAL WHERE cleaned_at IS NULL
            ORDER BY superseded_at, load_id LIMIT {limit:UInt32} OFFSET {offset:UInt32}`,
    query_params: { limit, offset },
    format: 'JSONEachRow',
  });
  return rs.json<Pending>();
}

async function partitionsHolding(
  client: ClickHouseClient,
  table: string,
  monthOf: string,
  ids: string[],
  sections: string[],
): Promise<{ partition: string; rows: number }[]> {
  const rs = await client.query({
    query: `SELECT toString(toYYYYMM(${monthOf})) AS partition, count() AS rows FROM ${table}
            WHERE section_id IN {sections:Array(String)} AND load_id IN {ids:Array(UUID)}
            GROUP BY partition ORDER BY partition`,
    query_params: { ids, sections },
    format: 'JSONEachRow',
  });
  return (await rs.json<{ partition: string; rows: string }>()).map((r) => ({
    partition: r.partition,
    rows: Number(r.rows),
  }));
}

async function deleteIn(
  client: ClickHouseClient,
  table: string,
  partition: string,
  ids: string[],
  sections: string[],
  schema: SchemaTarget | undefined,
): Promise<void> {
  // A partition id is the month ClickHouse just gave us; checked before it goes into the SQL text (a partition
  // clause takes no parameter in a DELETE).
  if (!PARTITION_ID.test(partition)) throw new Error(`unexpected partition id ${JSON.stringify(partition)}`);
  await client.command({
    query: `DELETE FROM ${localName(table, schema)}${onClusterClause(schema)} IN PARTITION ID '${partition}'
            WHERE section_id IN {sections:Array(String)} AND load_id IN {ids:Array(UUID)}`,
    query_params: { ids, sections },
    // Done on every replica when it returns: the loads are marked cleaned only then.
    clickhouse_settings: { lightweight_deletes_sync: '2' },
  });
}

async function markCleaned(client: ClickHouseClient, loads: Pending[]): Promise<void> {
  const now = new Date().toISOString().replace('T', ' ').replace('Z', '');
  await client.insert({
    table: 'superseded_loads',
    values: loads.map((l) => ({
      load_id: l.id,
      section_id: l.section_id,
      superseded_by: l.superseded_by,
      cleaned_at: now,
      updated_at: now,
    })),
    format: 'JSONEachRow',
  });
}
