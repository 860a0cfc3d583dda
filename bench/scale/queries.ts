import type { ClickHouseClient } from '@clickhouse/client';
import { median } from '../stats.js';

/**
 * The queries a dashboard sends: every public view for one section, and the summaries over all sections.
 * The *_active views hold raw statements (kilobytes each), so they are timed as a count: the cost of the
 * view, not of moving the statement text to the client.
 */
export const SECTION_QUERIES: { view: string; sql: (prefix: string) => string }[] = [
  ...[
    'video_sessions',
    'video_viewers',
    'video_retention',
    'video_completion',
    'section_video_completion',
    'learner_watch_time',
    'video_drop_off',
    'video_seek_hotspots',
    'daily_active_learners',
    'daily_verbs',
  ].map((view) => ({
    view,
    sql: (prefix: string) => `SELECT * FROM ${prefix}${view} WHERE section_id = {section:String}`,
  })),
  ...['statements_active', 'video_events_active'].map((view) => ({
    view: `${view} (count)`,
    sql: (prefix: string) => `SELECT count() FROM ${prefix}${view} WHERE section_id = {section:String}`,
  })),
];

export const ALL_SECTION_QUERIES: { view: string; sql: (prefix: string) => string }[] = [
  'section_video_completion',
  'video_completion',
  'daily_active_learners',
].map((view) => ({ view, sql: (prefix: string) => `SELECT * FROM ${prefix}${view}` }));

export interface QueryTiming {
  view: string;
  /** Until the client holds the rows (JSON over the wire, parsed): what a dashboard waits for. */
  ms: number;
  /** The same query with FORMAT Null: ClickHouse's own work, without moving the rows to the client. */
  engineMs: number;
  rows: number;
}

/** Median wall time of a query in this (warm) process, after one untimed run; rows as the client received them. */
export async function timeQuery(
  client: ClickHouseClient,
  view: string,
  sql: string,
  params: Record<string, string>,
  reps: number,
): Promise<QueryTiming> {
  const run = async () => {
    const t0 = performance.now();
    const rs = await client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
    const rows = await rs.json();
    return { ms: performance.now() - t0, rows: rows.length };
  };
  const engine = async () => {
    const t0 = performance.now();
    await client.command({ query: `${sql}\nFORMAT Null`, query_params: params });
    return performance.now() - t0;
  };
  const warm = await run();
  const times: number[] = [];
  const engineTimes: number[] = [];
  for (let i = 0; i < reps; i++) {
    times.push((await run()).ms);
    engineTimes.push(await engine());
  }
  return { view, ms: median(times), engineMs: median(engineTimes), rows: warm.rows };
}

export async function timeAll(
  client: ClickHouseClient,
  queries: { view: string; sql: (prefix: string) => string }[],
  prefix: string,
  params: Record<string, string>,
  reps: number,
): Promise<QueryTiming[]> {
  const out: QueryTiming[] = [];
  for (const q of queries) out.push(await timeQuery(client, q.view, q.sql(prefix), params, reps));
  return out;
}
