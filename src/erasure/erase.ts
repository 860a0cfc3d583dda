import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { refreshAnalytics } from '../analytics/refresh.js';
import { waitForLoadsStartedBefore } from '../engine/running-queries.js';
import { localName, onClusterClause, type SchemaTarget, SHARDED_LOOKUP_SETTINGS } from '../schema/render.js';
import { erasureKeys, type Identifier } from './identifiers.js';

/**
 * Erasure of learners (`xapi-etl erase --actor IFI`), designed for a billion rows:
 *
 * - Found without a full scan: every statement and rejected line keeps the agent keys it names (person_keys:
 *   actor, group members, object, instructor, team, authority, a SubStatement's actor and object) under a bloom
 *   filter, so a lookup reads the granules that can hold the learner only; video events and analytics are found
 *   from those statements and by actor_key.
 * - Removed whole: each statement naming the learner anywhere goes (not redacted: a statement about a learner is
 *   about them), with its video events and any void it made; their rejected lines go too (raw text included);
 *   their rows in the maintained analytics go, and the analytics of what they touched are recomputed for the
 *   sections, videos and days concerned, so the views equal a load of the same files without the learner.
 *   Rows are deleted (lightweight DELETE, at once invisible) and then purged from disk (APPLY DELETED MASK
 *   rewrites only the parts that held them).
 * - Sticky: the keys' SHA-256 go into erased_keys first. Every load reads them and stores nothing of a line
 *   that names one (reason `erased_actor`, no text): a later load, a forced reload or a backfill of files that
 *   still hold the learner brings nothing back. Loads already running when the erasure starts are waited for.
 * - Recorded: erasures keeps when, the hashes and the counts; never a name or a mailbox.
 * Several learners in one call share the scans (batch them: `--actor` repeated).
 */
export interface ErasureCounts {
  statements: number;
  video_events: number;
  rejected_statements: number;
  voids: number;
  video_viewer_state: number;
  learner_state: number;
  actor_day_state: number;
  load_touched_viewers: number;
  /** The learner's events in Aspects' raw table (XAPI_ASPECTS_TABLE), when one is configured. */
  aspects_events?: number;
}

export interface ErasureResult {
  erasure_id?: string;
  dry_run: boolean;
  actors: number;
  key_hashes: string[];
  /** Rows removed (or, on a dry run, that would be), per table. */
  removed: ErasureCounts;
}

export interface EraseOptions {
  dryRun?: boolean;
  schema?: SchemaTarget;
  cluster?: string;
  /** How long to wait for loads that started before the erasure (default 15 min, a Lambda's longest). */
  waitMs?: number;
  /**
   * XAPI_ASPECTS_TABLE: the erased statements' events are deleted there too (by event_id). What Aspects' own views
   * derived from them is Aspects' to erase (docs/aspects.md).
   */
  aspectsTable?: string;
}

const PERSON = 'hasAny(person_keys, {keys:Array(String)})';

export async function eraseActors(
  client: ClickHouseClient,
  identifiers: Identifier[],
  options: EraseOptions = {},
): Promise<ErasureResult> {
  const { keys, hashes } = await erasureKeys(client, identifiers);
  // Sharded: the erased statements (one shard) are looked up in tables sharded by section: shipped once.
  const lookups = options.schema?.sharded ? SHARDED_LOOKUP_SETTINGS : {};
  const params = { keys };
  const count = async (sql: string, extra: Record<string, unknown> = {}) => {
    const rs = await client.query({
      query: sql,
      query_params: { ...params, ...extra },
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ n: string }>();
    return Number(row?.n ?? 0);
  };
  const removed = async (erasureId?: string): Promise<ErasureCounts> => {
    const targets = erasureId
      ? 'SELECT section_id, statement_id FROM erased_statements WHERE erasure_id = {erasure:UUID}'
      : `SELECT section_id, statement_id FROM statements WHERE ${PERSON}`;
    const e = erasureId ? { erasure: erasureId } : {};
    return {
      statements: await count(`SELECT count() AS n FROM statements WHERE ${PERSON}`),
      video_events: await count(
        `SELECT count() AS n FROM video_events WHERE actor_key IN {keys:Array(String)} OR (section_id, statement_id) IN (${targets})`,
        e,
      ),
      rejected_statements: await count(`SELECT count() AS n FROM rejected_statements WHERE ${PERSON}`),
      voids: await count(
        `SELECT count() AS n FROM voided_in_section WHERE voiding_statement_id IN (SELECT statement_id FROM (${targets}))`,
        e,
      ),
      video_viewer_state: await count(
        'SELECT count() AS n FROM video_viewer_state FINAL WHERE actor_key IN {keys:Array(String)}',
      ),
      learner_state: await count(
        'SELECT count() AS n FROM learner_state FINAL WHERE actor_key IN {keys:Array(String)}',
      ),
      actor_day_state: await count(
        'SELECT count() AS n FROM actor_day_state FINAL WHERE actor_key IN {keys:Array(String)}',
      ),
      load_touched_viewers: await count(
        'SELECT count() AS n FROM load_touched_viewers WHERE actor_key IN {keys:Array(String)}',
      ),
      ...(options.aspectsTable
        ? {
            aspects_events: await count(
              `SELECT count() AS n FROM ${options.aspectsTable} WHERE event_id IN (SELECT statement_id FROM (${targets}))`,
              e,
            ),
          }
        : {}),
    };
  };
  const base = { actors: identifiers.length, key_hashes: hashes };
  if (options.dryRun) return { dry_run: true, ...base, removed: await removed() };

  const erasureId = randomUUID();
  const requestedAt = new Date().toISOString();
  const record = (status: string, counts: Partial<ErasureCounts>, finished: boolean) =>
    client.insert({
      table: 'erasures',
      values: [
        {
          erasure_id: erasureId,
          requested_at: requestedAt,
          finished_at: finished ? new Date().toISOString() : null,
          key_hashes: hashes,
          status,
          removed: counts,
        },
      ],
      format: 'JSONEachRow',
      clickhouse_settings: { date_time_input_format: 'best_effort' },
    });
  // Sticky first: from here on no load stores the learner; loads already running are waited for.
  await record('running', {}, false);
  await client.insert({
    table: 'erased_keys',
    values: hashes.map((h) => ({ key_hash: h, erasure_id: erasureId })),
    format: 'JSONEachRow',
  });
  await waitForLoadsStartedBefore(client, new Date(), {
    cluster: options.cluster,
    timeoutMs: options.waitMs ?? 15 * 60_000,
  });

  await client.command({
    query: `INSERT INTO erased_statements (erasure_id, section_id, statement_date, statement_id, is_voiding)
            SELECT {erasure:UUID}, section_id, statement_date, statement_id, voided_statement_id IS NOT NULL
            FROM statements WHERE ${PERSON}`,
    query_params: { ...params, erasure: erasureId },
    clickhouse_settings: lookups,
  });
  const counts = await removed(erasureId);

  // What the analytics must recompute, as the touched keys of a load of its own: the erased statements'
  // days and viewers (the learner's own viewer rows are deleted below: '' stands for "this video"), and the
  // days and viewers of statements they voided, which become active again.
  const loadId = randomUUID();
  const p = { ...params, erasure: erasureId, load_id: loadId };
  const erased = 'SELECT section_id, statement_id FROM erased_statements WHERE erasure_id = {erasure:UUID}';
  const voidedByThem = `SELECT section_id, statement_date, statement_id FROM voided_in_section
                        WHERE voiding_statement_id IN (SELECT statement_id FROM erased_statements WHERE erasure_id = {erasure:UUID})`;
  await client.command({
    query: `INSERT INTO load_touched_actor_days (load_id, section_id, day, actor_key)
            SELECT DISTINCT {load_id:UUID}, section_id, toDate(timestamp), if(actor_key IN {keys:Array(String)}, '', actor_key)
            FROM statements
            WHERE (section_id, statement_date, statement_id) IN (
                SELECT section_id, statement_date, statement_id FROM erased_statements WHERE erasure_id = {erasure:UUID})
               OR (section_id, statement_date, statement_id) IN (${voidedByThem})`,
    query_params: p,
    clickhouse_settings: lookups,
  });
  await client.command({
    query: `INSERT INTO load_touched_viewers (load_id, section_id, video_id, actor_key)
            SELECT DISTINCT {load_id:UUID}, section_id, video_id, if(actor_key IN {keys:Array(String)}, '', actor_key)
            FROM video_events
            WHERE actor_key IN {keys:Array(String)} OR (section_id, statement_id) IN (${erased})
               OR (section_id, statement_id) IN (SELECT section_id, statement_id FROM (${voidedByThem}))`,
    query_params: p,
    clickhouse_settings: lookups,
  });

  const del = async (table: string, where: string) => {
    await client.command({
      query: `DELETE FROM ${localName(table, options.schema)}${onClusterClause(options.schema)} WHERE ${where}`,
      query_params: p,
      clickhouse_settings: { lightweight_deletes_sync: '2', ...lookups },
    });
  };
  await del('video_events', `actor_key IN {keys:Array(String)} OR (section_id, statement_id) IN (${erased})`);
  await del(
    'voided_in_section',
    'voiding_statement_id IN (SELECT statement_id FROM erased_statements WHERE erasure_id = {erasure:UUID})',
  );
  await del(
    'voided_statements',
    'voiding_statement_id IN (SELECT statement_id FROM erased_statements WHERE erasure_id = {erasure:UUID})',
  );
  await del(
    'statements',
    `(section_id, statement_date, statement_id) IN (
        SELECT section_id, statement_date, statement_id FROM erased_statements WHERE erasure_id = {erasure:UUID})`,
  );
  if (options.aspectsTable) await eraseFromAspects(client, options.aspectsTable, erasureId);
  await del('rejected_statements', PERSON);
  await del('video_viewer_state', 'actor_key IN {keys:Array(String)}');
  await del('learner_state', 'actor_key IN {keys:Array(String)}');
  await del('actor_day_state', 'actor_key IN {keys:Array(String)}');

  await refreshAnalytics(client, [loadId], { schema: options.schema });
  // The touched keys are not needed any more, and the learner's were in them.
  await del('load_touched_viewers', `actor_key IN {keys:Array(String)} OR load_id = {load_id:UUID}`);
  await del('load_touched_actor_days', `actor_key IN {keys:Array(String)} OR load_id = {load_id:UUID}`);

  // Deleted rows are hidden at once but stay on disk until their parts are rewritten: purge them now.
  for (const table of [
    'statements',
    'video_events',
    'rejected_statements',
    'video_viewer_state',
    'learner_state',
    'actor_day_state',
    'load_touched_viewers',
    'load_touched_actor_days',
  ]) {
    await client.command({
      query: `ALTER TABLE ${localName(table, options.schema)}${onClusterClause(options.schema)} APPLY DELETED MASK`,
      clickhouse_settings: { mutations_sync: '2' },
    });
  }
  await record('done', counts, true);
  return { erasure_id: erasureId, dry_run: false, ...base, removed: counts };
}

/**
 * Aspects' raw table is not ours to rewrite (no APPLY DELETED MASK): a lightweight delete hides the events at once,
 * merges purge them. The ids are read here and passed as values: a DELETE's subquery is resolved in the database of
 * the table it deletes from, where erased_statements is not.
 */
async function eraseFromAspects(client: ClickHouseClient, table: string, erasureId: string): Promise<void> {
  const rs = await client.query({
    query:
      'SELECT DISTINCT toString(statement_id) AS id FROM erased_statements WHERE erasure_id = {erasure:UUID}',
    query_params: { erasure: erasureId },
    format: 'JSONEachRow',
  });
  const ids = (await rs.json<{ id: string }>()).map((r) => r.id);
  for (let i = 0; i < ids.length; i += ASPECTS_DELETE_IDS) {
    await client.command({
      query: `DELETE FROM ${table} WHERE event_id IN {ids:Array(UUID)}`,
      query_params: { ids: ids.slice(i, i + ASPECTS_DELETE_IDS) },
      clickhouse_settings: { lightweight_deletes_sync: '2' },
    });
  }
}

const ASPECTS_DELETE_IDS = 50_000;
