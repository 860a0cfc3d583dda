import type { ClickHouseClient } from '@clickhouse/client';

/**
 * Brings the maintained analytics up to date with a set of loads, before the load returns: for the
 * viewers and days those loads touched (and those of statements they void), each level's *_refresh view
 * (migration 0001) recomputes the state from the level below and the result replaces the old state.
 * Levels run in order because each reads the one before: viewers → videos and learners → sections;
 * days on their own. The cost is what the loads touched, not the size of the table or of a section.
 */
const LEVELS = [
  ['video_viewer_state', 'video_viewer_refresh'],
  ['video_state', 'video_refresh'],
  ['learner_state', 'learner_refresh'],
  ['section_state', 'section_refresh'],
  ['daily_state', 'daily_refresh'],
] as const;

/**
 * The refresh views LEFT JOIN the touched keys to their new state; a key with nothing left must come out
 * with default values (and is_deleted), whatever the server's profile says about join_use_nulls.
 */
const REFRESH_SETTINGS = { join_use_nulls: 0 } as const;

export async function refreshAnalytics(client: ClickHouseClient, loadIds: string[]): Promise<void> {
  if (loadIds.length === 0) return;
  for (const [table, view] of LEVELS) {
    await client.command({
      query: `INSERT INTO ${table} SELECT * FROM ${view}(load_ids = {load_ids:Array(UUID)})`,
      query_params: { load_ids: loadIds },
      clickhouse_settings: REFRESH_SETTINGS,
    });
  }
}
