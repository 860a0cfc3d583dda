import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { refreshAnalytics } from '../analytics/refresh.js';
import { InputError } from '../errors.js';
import { localName, onClusterClause, type SchemaTarget } from '../schema/render.js';

/**
 * Retention (`XAPI_RETENTION_DAYS`, `xapi-etl expire`): data older than the retention leaves by whole monthly
 * partitions, never by rewriting parts. A month leaves once all of it is older than the retention (so up to a
 * month more than the retention is kept). The raw tables are partitioned by the statement's own month
 * (statement_date; rejected lines by their file's month), so a statement and everything derived from it
 * (video events, voids, its index entry) leave together.
 *
 * The maintained analytics expire with them: the keys the dropped rows counted in (their days, viewers,
 * videos, learners, sections) are recomputed from what remains, so the views always equal a load of the data
 * still kept. Explicit drops rather than a TTL for that reason: a TTL drops parts whenever the server merges,
 * and nothing could then recompute the analytics those rows fed.
 *
 * Statements with no time of their own (statement_date 1970-01-01, whose `timestamp` is their file's time)
 * share one partition that never ages: they are removed row by row when their `timestamp` is older.
 */
export interface ExpireOptions {
  retentionDays: number;
  dryRun?: boolean;
  schema?: SchemaTarget;
  /** The time to expire against (tests); default the server's now. */
  now?: Date;
}

export interface ExpireResult {
  dry_run: boolean;
  retention_days: number;
  /** Every month before this one (YYYYMM) leaves. */
  before_month: number;
  /** table → partitions (months) dropped, or that would be. */
  partitions: Record<string, string[]>;
  /** table → rows dropped, or that would be. */
  rows: Record<string, number>;
}

const BY_STATEMENT_MONTH = [
  'statements',
  'video_events',
  'voided_statements',
  'statement_index',
  'voided_in_section',
];
const BY_FILE_MONTH = ['rejected_statements'];
const UNDATED = '197001';

export async function expireData(client: ClickHouseClient, options: ExpireOptions): Promise<ExpireResult> {
  if (!Number.isInteger(options.retentionDays) || options.retentionDays < 1)
    throw new InputError(
      'the retention is a whole number of days, at least 1 (XAPI_RETENTION_DAYS or --days)',
    );
  const now = options.now ?? (await serverNow(client));
  const cutoff = new Date(now.getTime() - options.retentionDays * 86_400_000);
  const beforeMonth = cutoff.getUTCFullYear() * 100 + cutoff.getUTCMonth() + 1;
  const cutoffText = cutoff.toISOString().replace('T', ' ').replace('Z', '');

  const partitions: Record<string, string[]> = {};
  const rows: Record<string, number> = {};
  for (const table of [...BY_STATEMENT_MONTH, ...BY_FILE_MONTH]) {
    const parts = await expiredPartitions(
      client,
      localName(table, options.schema),
      beforeMonth,
      options.schema,
    );
    partitions[table] = parts.map((p) => p.partition);
    rows[table] = parts.reduce((n, p) => n + p.rows, 0);
  }
  const undated = await countRows(
    client,
    `SELECT count() AS n FROM statements WHERE statement_date = toDate(0) AND timestamp < {cutoff:DateTime64(3)}`,
    { cutoff: cutoffText },
  );
  rows.statements_without_time = undated;
  const result = {
    dry_run: Boolean(options.dryRun),
    retention_days: options.retentionDays,
    before_month: beforeMonth,
    partitions,
    rows,
  };
  const nothing = Object.values(partitions).every((p) => p.length === 0) && undated === 0;
  if (options.dryRun || nothing) return result;

  // The keys the leaving rows counted in, as a load of their own: recomputed once they are gone.
  const loadId = randomUUID();
  const months = partitions.statements?.map(Number) ?? [];
  const leaving = `(toYYYYMM(statement_date) IN {months:Array(UInt32)}
                    OR (statement_date = toDate(0) AND timestamp < {cutoff:DateTime64(3)}))`;
  const p = { load_id: loadId, months, cutoff: cutoffText };
  await client.command({
    query: `INSERT INTO load_touched_actor_days (load_id, section_id, day, actor_key)
            SELECT DISTINCT {load_id:UUID}, section_id, toDate(timestamp), actor_key FROM statements WHERE ${leaving}`,
    query_params: p,
  });
  await client.command({
    query: `INSERT INTO load_touched_viewers (load_id, section_id, video_id, actor_key)
            SELECT DISTINCT {load_id:UUID}, section_id, video_id, actor_key FROM video_events WHERE ${leaving}`,
    query_params: p,
  });

  const on = onClusterClause(options.schema);
  for (const [table, list] of Object.entries(partitions)) {
    for (const partition of list) {
      await client.command({
        query: `ALTER TABLE ${localName(table, options.schema)}${on} DROP PARTITION ID {partition:String}`,
        query_params: { partition },
      });
    }
  }
  if (undated > 0) {
    for (const table of ['video_events', 'statements']) {
      await client.command({
        // Confined to that partition: the other months' parts are not touched.
        query: `DELETE FROM ${localName(table, options.schema)}${on} IN PARTITION ID '${UNDATED}'
                WHERE statement_date = toDate(0) AND timestamp < {cutoff:DateTime64(3)}`,
        query_params: p,
        clickhouse_settings: { lightweight_deletes_sync: '2' },
      });
    }
  }
  await refreshAnalytics(client, [loadId], { schema: options.schema });
  await client.insert({
    table: 'expirations',
    values: [
      {
        retention_days: options.retentionDays,
        before_month: beforeMonth,
        partitions: Object.entries(partitions).flatMap(([t, l]) => l.map((x) => `${t}:${x}`)),
        rows,
      },
    ],
    format: 'JSONEachRow',
  });
  return result;
}

async function expiredPartitions(
  client: ClickHouseClient,
  table: string,
  beforeMonth: number,
  schema?: SchemaTarget,
): Promise<{ partition: string; rows: number }[]> {
  // On a cluster every shard's parts (the cluster name was validated with the configuration).
  const parts = schema?.cluster ? `clusterAllReplicas('${schema.cluster}', system.parts)` : 'system.parts';
  const rs = await client.query({
    query: `SELECT partition_id AS partition, sum(rows) AS rows FROM ${parts}
            WHERE database = currentDatabase() AND table = {table:String} AND active
              AND partition_id != {undated:String} AND toUInt32OrZero(partition_id) < {before:UInt32}
            GROUP BY partition_id ORDER BY partition_id`,
    query_params: { table, before: beforeMonth, undated: UNDATED },
    format: 'JSONEachRow',
  });
  return (await rs.json<{ partition: string; rows: string }>()).map((r) => ({
    partition: r.partition,
    rows: Number(r.rows),
  }));
}

async function countRows(
  client: ClickHouseClient,
  sql: string,
  params: Record<string, unknown>,
): Promise<number> {
  const rs = await client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
  const [row] = await rs.json<{ n: string }>();
  return Number(row?.n ?? 0);
}

async function serverNow(client: ClickHouseClient): Promise<Date> {
  const rs = await client.query({
    query: 'SELECT toUnixTimestamp64Milli(now64(3)) AS ms',
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ ms: string }>();
  return new Date(Number(row?.ms));
}
