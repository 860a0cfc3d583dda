import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { waitForLoadsStartedBefore } from '../engine/running-queries.js';
import { MigrationError } from '../errors.js';
import type { DerivedFile } from '../schema/migration-files.js';
import { distributedTableSql, localName, renderStatement, type SchemaTarget } from '../schema/render.js';
import { REBUILD_SUFFIX, refreshAnalytics, STATE_TABLES, type StateNames, stateName } from './refresh.js';

/**
 * Rebuilds the maintained analytics from the raw tables when their definition changes
 * (migrations/derived/40_analytics_state.sql, marked `@rebuilds-analytics`), while loads keep running:
 *
 * 1. The new state tables and refresh views are created beside the live ones (`x__rebuild`).
 * 2. Each section is recomputed into them, from every viewer and day it holds; each section done is recorded,
 *    so a rebuild that stops (Ctrl-C, a crash, a time limit) carries on where it stopped.
 * 3. Loads that ran meanwhile refreshed the live tables only: every load since the rebuild started (its touched
 *    keys, load_touched_*) is refreshed into the new tables too, until a pass finds none left. (Loads already
 *    running when the rebuild starts are waited for first: everything older is in the raw rows the sections read.)
 * 4. The new tables are exchanged with the live ones (EXCHANGE TABLES, one atomic swap each) and the live
 *    refresh views get the new definition; the loads of the last moments are refreshed once more, now live.
 * 5. The old tables and the rebuild's views are dropped.
 *
 * Until step 4 the public views read the old tables, computed by the old definition; from step 4 the new ones:
 * the numbers users see are always one definition's (during the swap itself, a key a load refreshed in that
 * instant is recomputed by step 4's last pass).
 */
export interface RebuildProgress {
  phase: 'sections' | 'catch-up' | 'cutover' | 'done';
  sectionsDone: number;
  sectionsTotal: number;
  section?: string;
  loads?: number;
}

export interface RebuildOptions {
  target: SchemaTarget;
  onProgress?: (p: RebuildProgress) => void;
  /** Checked between sections: returning true stops the rebuild (it resumes on the next migrate). */
  shouldStop?: () => boolean;
  /** Cluster name: loads running at the start are looked for on every replica. */
  cluster?: string;
}

export interface RebuildResult {
  status: 'done' | 'stopped';
  rebuildId: string;
  sections: number;
  resumed: boolean;
}

const CATCH_UP_CHUNK = 500;
/** How long a load's refresh may still be running at the swap. */
const RECENT_REFRESH_MS = 15 * 60_000;
/** How long the rebuild waits for loads running at its start. */
const LOAD_WAIT_MS = 20 * 60_000;

/** The statements of the state file rendered for one set of names: live, or the rebuild's. */
export function stateStatements(file: DerivedFile, names: StateNames): string[] {
  return file.statements.map((s) =>
    s.replace(/\{\{(state|refresh) ([A-Za-z_][A-Za-z0-9_]*)\}\}/g, (_m, _kind, name: string) =>
      stateName(name, names),
    ),
  );
}

export async function rebuildAnalytics(
  client: ClickHouseClient,
  file: DerivedFile,
  options: RebuildOptions,
): Promise<RebuildResult> {
  const run = async (sql: string) => {
    for (const r of renderStatement(sql, options.target)) await client.command({ query: r.sql });
  };
  // An empty database (a new one) rebuilds in an instant: nothing to tell.
  const progress = (p: RebuildProgress) => {
    if (p.sectionsTotal > 0 || p.phase === 'catch-up') options.onProgress?.(p);
  };

  let rebuild = await unfinishedRebuild(client);
  if (rebuild && rebuild.checksum !== file.checksum) {
    // A rebuild of another definition never finished: it is of no use now.
    await dropRebuildObjects(client, options.target);
    await recordRebuild(client, { ...rebuild, status: 'abandoned' });
    rebuild = undefined;
  }
  const resumed = rebuild !== undefined;
  if (!rebuild) {
    await dropRebuildObjects(client, options.target);
    rebuild = {
      rebuildId: randomUUID(),
      checksum: file.checksum,
      startedAt: await serverNow(client),
      sections: 0,
    };
    for (const statement of stateStatements(file, 'rebuild')) await run(statement);
    await recordRebuild(client, { ...rebuild, status: 'building' });
    await waitForLoadsStartedBefore(client, rebuild.startedAt, {
      cluster: options.cluster,
      timeoutMs: LOAD_WAIT_MS,
    });
  } else {
    // Resumed: the views may be missing if the last run stopped while creating them.
    for (const statement of stateStatements(file, 'rebuild')) await run(statement);
  }

  const sections = await sectionsOf(client);
  const done = await sectionsDone(client, rebuild.rebuildId);
  const total = sections.length;
  let count = done.size;
  for (const section of sections) {
    if (done.has(section)) continue;
    if (options.shouldStop?.())
      return { status: 'stopped', rebuildId: rebuild.rebuildId, sections: count, resumed };
    progress({ phase: 'sections', sectionsDone: count, sectionsTotal: total, section });
    await rebuildSection(client, rebuild.rebuildId, section, options.target);
    count += 1;
  }
  progress({ phase: 'sections', sectionsDone: count, sectionsTotal: total });

  // Loads since the start (touched keys carry whole seconds: a little before it).
  const since = new Date(rebuild.startedAt.getTime() - 2_000);
  // The rebuild's own touched keys (one set per section) are not loads: never caught up.
  const own = new Set(await rebuildLoadIds(client, rebuild.rebuildId));
  const processed = new Set(own);
  const catchUp = async (names: StateNames) => {
    for (let pass = 0; pass < 20; pass++) {
      const loads = (await loadsSince(client, since)).filter((id) => !processed.has(id));
      if (loads.length === 0) return;
      progress({ phase: 'catch-up', sectionsDone: count, sectionsTotal: total, loads: loads.length });
      for (let i = 0; i < loads.length; i += CATCH_UP_CHUNK) {
        const chunk = loads.slice(i, i + CATCH_UP_CHUNK);
        await refreshAnalytics(client, chunk, { schema: options.target, names });
        for (const id of chunk) processed.add(id);
      }
    }
  };
  await catchUp('rebuild');

  progress({ phase: 'cutover', sectionsDone: count, sectionsTotal: total });
  const cutoverAt = await serverNow(client);
  // A state table this definition adds has no live one yet to exchange with: an empty one is made first.
  for (const statement of stateStatements(file, 'live').filter((s) => /^CREATE TABLE IF NOT EXISTS/.test(s)))
    await run(statement);
  for (const table of STATE_TABLES) {
    await run(
      `EXCHANGE TABLES ${localName(table, options.target)} AND ${localName(stateName(table, 'rebuild'), options.target)} {{on_cluster}}`,
    );
  }
  // Sharded: the Distributed state tables are made again over the new locals (their columns may have changed).
  for (const table of STATE_TABLES) {
    const sql = distributedTableSql(table, 'sipHash64(section_id)', options.target);
    if (sql) await client.command({ query: sql });
  }
  for (const statement of stateStatements(file, 'live').filter((s) => /^CREATE OR REPLACE VIEW/.test(s)))
    await run(statement);
  // Loads of the last moments: a refresh running during the swap may have written the new tables with the old
  // views. Those whose ledger had not finished by then are refreshed again with the new ones (a load's refresh
  // ends within a Lambda's 15 minutes).
  for (const id of await unfinishedAt(client, cutoverAt, new Date(cutoverAt.getTime() - RECENT_REFRESH_MS)))
    if (!own.has(id)) processed.delete(id);
  await catchUp('live');
  await dropRebuildObjects(client, options.target);
  await recordRebuild(client, { ...rebuild, sections: total, status: 'done', finished: true });
  progress({ phase: 'done', sectionsDone: total, sectionsTotal: total });
  return { status: 'done', rebuildId: rebuild.rebuildId, sections: total, resumed };
}

/** A section's every viewer and day, as the touched keys of a load of its own, refreshed into the new tables. */
async function rebuildSection(
  client: ClickHouseClient,
  rebuildId: string,
  section: string,
  target: SchemaTarget,
): Promise<void> {
  const loadId = randomUUID();
  const params = { load_id: loadId, section };
  await client.command({
    query: `INSERT INTO load_touched_viewers (load_id, section_id, video_id, actor_key)
            SELECT DISTINCT {load_id:UUID}, section_id, video_id, actor_key FROM video_events WHERE section_id = {section:String}`,
    query_params: params,
  });
  await client.command({
    query: `INSERT INTO load_touched_actor_days (load_id, section_id, day, actor_key)
            SELECT DISTINCT {load_id:UUID}, section_id, toDate(timestamp), actor_key FROM statements
            WHERE section_id = {section:String}`,
    query_params: params,
  });
  await refreshAnalytics(client, [loadId], { schema: target, names: 'rebuild' });
  const rs = await client.query({
    query: 'SELECT count() AS n FROM statements WHERE section_id = {section:String}',
    query_params: params,
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ n: string }>();
  await client.insert({
    table: 'analytics_rebuild_sections',
    values: [
      { rebuild_id: rebuildId, section_id: section, statements: Number(row?.n ?? 0), load_id: loadId },
    ],
    format: 'JSONEachRow',
  });
}

interface RebuildRow {
  rebuildId: string;
  checksum: string;
  startedAt: Date;
  sections: number;
}

async function unfinishedRebuild(client: ClickHouseClient): Promise<RebuildRow | undefined> {
  const rs = await client.query({
    query: `SELECT toString(rebuild_id) AS id, checksum, toUnixTimestamp64Milli(started_at) AS started, sections_total
            FROM analytics_rebuilds FINAL WHERE status = 'building' ORDER BY started_at DESC LIMIT 1`,
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ id: string; checksum: string; started: string; sections_total: string }>();
  return row
    ? {
        rebuildId: row.id,
        checksum: row.checksum,
        startedAt: new Date(Number(row.started)),
        sections: Number(row.sections_total),
      }
    : undefined;
}

async function recordRebuild(
  client: ClickHouseClient,
  r: RebuildRow & { status: string; finished?: boolean },
): Promise<void> {
  await client.insert({
    table: 'analytics_rebuilds',
    values: [
      {
        rebuild_id: r.rebuildId,
        checksum: r.checksum,
        status: r.status,
        started_at: r.startedAt.toISOString(),
        finished_at: r.finished ? new Date().toISOString() : null,
        sections_total: r.sections,
      },
    ],
    format: 'JSONEachRow',
    clickhouse_settings: { date_time_input_format: 'best_effort' },
  });
}

async function sectionsDone(client: ClickHouseClient, rebuildId: string): Promise<Set<string>> {
  const rs = await client.query({
    query: 'SELECT section_id FROM analytics_rebuild_sections FINAL WHERE rebuild_id = {id:UUID}',
    query_params: { id: rebuildId },
    format: 'JSONEachRow',
  });
  return new Set((await rs.json<{ section_id: string }>()).map((r) => r.section_id));
}

async function rebuildLoadIds(client: ClickHouseClient, rebuildId: string): Promise<string[]> {
  const rs = await client.query({
    query:
      'SELECT toString(load_id) AS id FROM analytics_rebuild_sections FINAL WHERE rebuild_id = {id:UUID}',
    query_params: { id: rebuildId },
    format: 'JSONEachRow',
  });
  return (await rs.json<{ id: string }>()).map((r) => r.id);
}

/** Every section, in order (the first column of the sort key: read from the index and one column). */
async function sectionsOf(client: ClickHouseClient): Promise<string[]> {
  const rs = await client.query({
    query: 'SELECT DISTINCT section_id FROM statements ORDER BY section_id',
    format: 'JSONEachRow',
  });
  return (await rs.json<{ section_id: string }>()).map((r) => r.section_id);
}

/** Loads with touched keys since `since` whose ledger rows had not all reached an end (loaded…) by `at`. */
async function unfinishedAt(client: ClickHouseClient, at: Date, since: Date): Promise<string[]> {
  const loads = await loadsSince(client, since);
  if (loads.length === 0) return [];
  const rs = await client.query({
    query: `SELECT toString(load_id) AS id FROM ingested_files FINAL
            WHERE load_id IN {ids:Array(UUID)} AND status != 'loading' AND finished_at < {at:DateTime64(3)}`,
    query_params: { ids: loads, at: at.toISOString().replace('T', ' ').replace('Z', '') },
    format: 'JSONEachRow',
  });
  const finished = new Set((await rs.json<{ id: string }>()).map((r) => r.id));
  return loads.filter((id) => !finished.has(id));
}

/** Loads whose touched keys were written since `since` (their refresh is what a catch-up repeats). */
export async function loadsSince(client: ClickHouseClient, since: Date): Promise<string[]> {
  const rs = await client.query({
    query: `SELECT DISTINCT toString(load_id) AS id FROM (
              SELECT load_id FROM load_touched_actor_days WHERE created_at >= {since:DateTime64(3)}
              UNION ALL SELECT load_id FROM load_touched_viewers WHERE created_at >= {since:DateTime64(3)})`,
    query_params: { since: since.toISOString().replace('T', ' ').replace('Z', '') },
    format: 'JSONEachRow',
  });
  return (await rs.json<{ id: string }>()).map((r) => r.id);
}

async function serverNow(client: ClickHouseClient): Promise<Date> {
  const rs = await client.query({
    query: 'SELECT toUnixTimestamp64Milli(now64(3)) AS ms',
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ ms: string }>();
  if (!row) throw new MigrationError('the server did not tell its time');
  return new Date(Number(row.ms));
}

/** Drops what a rebuild creates (`x__rebuild` tables and views), on every shard. */
export async function dropRebuildObjects(client: ClickHouseClient, target: SchemaTarget): Promise<void> {
  const rs = await client.query({
    query: `SELECT name, engine FROM system.tables
            WHERE database = currentDatabase() AND (endsWith(name, {suffix:String}) OR endsWith(name, {local:String}))`,
    query_params: { suffix: REBUILD_SUFFIX, local: `${REBUILD_SUFFIX}_local` },
    format: 'JSONEachRow',
  });
  for (const t of await rs.json<{ name: string; engine: string }>()) {
    const kind = t.engine === 'View' ? 'VIEW' : 'TABLE';
    for (const r of renderStatement(`DROP ${kind} IF EXISTS ${t.name} {{on_cluster}} SYNC`, target))
      await client.command({ query: r.sql });
  }
}
