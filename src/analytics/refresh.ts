import type { ClickHouseClient } from '@clickhouse/client';
import { type SchemaTarget, SHARDED_QUERY_SETTINGS } from '../schema/render.js';

/**
 * Brings the maintained analytics up to date with a set of loads, before the load returns: for the
 * viewers and days those loads touched (and those of statements they void), each level's *_refresh view
 * (migrations/derived/40_analytics_state.sql) recomputes the state from the level below and the result replaces
 * the old state. Levels run in order because each reads the one before: viewers → videos and learners →
 * sections; learners' days → days. A viewer and a learner's day are re-read from the raw rows; a video, a section
 * and a day are summed from their viewers', videos' and learners' state (one row each): what a load costs is its
 * learners' rows plus one row per member of the audience it touched, whatever the size of the table or the day.
 */

/** The state tables and their refresh views, level by level. */
export const LEVELS = [
  ['video_viewer_state', 'video_viewer_refresh'],
  ['video_state', 'video_refresh'],
  ['learner_state', 'learner_refresh'],
  ['section_state', 'section_refresh'],
  ['actor_day_state', 'actor_day_refresh'],
  ['daily_state', 'day_refresh'],
] as const;

export const STATE_TABLES = LEVELS.map(([table]) => table);
export const REFRESH_VIEWS = LEVELS.map(([, view]) => view);

/** Which set of state tables a refresh writes: the live ones, or those a rebuild fills (src/analytics/rebuild.ts). */
export type StateNames = 'live' | 'rebuild';

export const REBUILD_SUFFIX = '__rebuild';

export function stateName(name: string, names: StateNames): string {
  return names === 'rebuild' ? `${name}${REBUILD_SUFFIX}` : name;
}

/** Keys of statements the loads newly void, added to the loads' own touched keys first. */
const VOIDED_TARGETS = [
  ['load_touched_viewers (load_id, section_id, video_id, actor_key)', 'voided_target_viewers'],
  ['load_touched_actor_days (load_id, section_id, day, actor_key)', 'voided_target_actor_days'],
] as const;

/**
 * The refresh views LEFT JOIN the touched keys to their new state; a key with nothing left must come out
 * with default values (and is_deleted), whatever the server's profile says about join_use_nulls.
 */
const REFRESH_SETTINGS = { join_use_nulls: 0 } as const;

/**
 * On shards the state tables are Distributed: each level's rows must have reached their shard before the
 * next level reads them (a foreground insert), and subqueries over Distributed tables run GLOBAL.
 */
const SHARDED_REFRESH_SETTINGS = { ...SHARDED_QUERY_SETTINGS, distributed_foreground_insert: 1 } as const;

export interface RefreshOptions {
  schema?: SchemaTarget;
  marker?: string;
  /** Default: the live state tables. */
  names?: StateNames;
}

export async function refreshAnalytics(
  client: ClickHouseClient,
  loadIds: string[],
  options: RefreshOptions = {},
): Promise<void> {
  if (loadIds.length === 0) return;
  const names = options.names ?? 'live';
  const base = options.schema?.sharded
    ? { ...REFRESH_SETTINGS, ...SHARDED_REFRESH_SETTINGS }
    : REFRESH_SETTINGS;
  // The load's marker names these queries too: Ctrl-C stops them, a takeover waits for them.
  const settings = options.marker ? { ...base, log_comment: options.marker } : base;
  const run = (table: string, view: string) =>
    client.command({
      query: `INSERT INTO ${table} SELECT * FROM ${view}(load_ids = {load_ids:Array(UUID)})`,
      query_params: { load_ids: loadIds },
      clickhouse_settings: settings,
    });
  if (await resolvedAny(client, loadIds)) for (const [table, view] of VOIDED_TARGETS) await run(table, view);
  for (const [table, view] of LEVELS) await run(stateName(table, names), stateName(view, names));
}

/** Whether these loads voided a statement (src/voiding/resolve-voids.ts wrote it under one of their ids). */
async function resolvedAny(client: ClickHouseClient, loadIds: string[]): Promise<boolean> {
  const rs = await client.query({
    query: 'SELECT count() > 0 AS any FROM voided_in_section WHERE load_id IN {load_ids:Array(UUID)}',
    query_params: { load_ids: loadIds },
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ any: number | boolean }>();
  return Boolean(Number(row?.any));
}
