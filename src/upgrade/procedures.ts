import type { ClickHouseClient } from '@clickhouse/client';
import { MigrationError } from '../errors.js';
import { insertSettings } from '../load/insert-settings.js';
import { FILE_TIME_PATTERN, KEY_LAYOUT_PATTERN } from '../plan/key-layout.js';
import { recordDerived, recordStep, stepsDone } from '../schema/bookkeeping.js';
import { applyDerivedStatements } from '../schema/derived.js';
import type { MigrationSet } from '../schema/migration-files.js';
import { distributedTableSql, localName, renderStatement, type SchemaTarget } from '../schema/render.js';
import { resolveAllVoids } from '../voiding/resolve-voids.js';

/**
 * Steps of a versioned migration written in TypeScript (`-- @procedure NAME`): what SQL alone cannot do in a way
 * that survives a crash. Each records its own progress in schema_progress and skips what is done when re-run.
 */
export interface ProcedureContext {
  client: ClickHouseClient;
  target: SchemaTarget;
  set: MigrationSet;
  version: number;
  threads: number;
  say: (message: string) => void;
}

export const PROCEDURES: Record<string, (ctx: ProcedureContext) => Promise<void>> = {
  'move-raw-tables': moveRawTables,
};

const RAW_TABLES = ['statements', 'video_events', 'voided_statements', 'rejected_statements'] as const;
const RELAYOUT = '__relayout';
/** v0.1.0 partitioned the raw tables into 16 buckets of sections: the move goes one bucket at a time. */
const V010_BUCKETS = 16;
const ROUTING_FILE = '20_routing.sql';

/**
 * 0003: the raw tables move from v0.1.0's buckets of sections to months. Loads are paused (the step before).
 * 1. Each raw table is exchanged with its empty time-partitioned twin (`x__relayout`, made by 0003's SQL): the
 *    old rows now sit in `x__relayout`, and the routing views of this version write to the new tables.
 * 2. Every stored line (statements and rejected lines) goes through this version's parse views again, one bucket
 *    at a time, with its load id, file and position: the new tables hold what a fresh load of the same files
 *    gives (statement_date, person_keys, statement_index, video rows), and a later reload still replaces it.
 * 3. The counts are compared, every void is resolved by statement id, and the old tables are dropped.
 */
async function moveRawTables(ctx: ProcedureContext): Promise<void> {
  const { client, version } = ctx;
  const steps = await stepsDone(client, version);
  const run = async (sql: string) => {
    for (const r of renderStatement(sql, ctx.target)) await client.command({ query: r.sql });
  };

  for (const table of RAW_TABLES) {
    if (steps.get(`exchange ${table}`) === 'done') continue;
    await run(
      `EXCHANGE TABLES ${localName(table, ctx.target)} AND ${localName(`${table}${RELAYOUT}`, ctx.target)} {{on_cluster}}`,
    );
    await recordStep(client, version, `exchange ${table}`, 'done');
  }
  // Sharded: the Distributed tables keep the columns they were made with; they are made again over the new locals.
  for (const table of RAW_TABLES) {
    const sql = distributedTableSql(table, 'sipHash64(section_id)', ctx.target);
    if (sql) await client.command({ query: sql });
  }
  const routing = ctx.set.derived.find((d) => d.file === ROUTING_FILE);
  if (!routing) throw new MigrationError(`derived/${ROUTING_FILE} is missing`);
  await applyDerivedStatements(client, routing.file, routing.statements, ctx.target);
  await recordDerived(client, routing.file, routing.checksum, version);

  const before = await counts(client, RELAYOUT);
  const empty = before.statements === 0 && before.rejected === 0;
  for (let bucket = 0; bucket < V010_BUCKETS && !empty; bucket++) {
    const step = `reparse ${bucket}`;
    const state = steps.get(step);
    if (state === 'done') continue;
    if (state === 'started') await forgetBucket(ctx, bucket);
    await recordStep(client, version, step, 'started');
    ctx.say(`moving the raw rows into months: bucket ${bucket + 1} of ${V010_BUCKETS}`);
    await reparseBucket(ctx, bucket);
    await recordStep(client, version, step, 'done');
  }
  const after = await counts(client, '');
  if (before.statements !== after.statements || before.rejected !== after.rejected) {
    throw new MigrationError(
      `the move does not add up: v0.1.0 held ${before.statements} statements and ${before.rejected} rejected lines, ` +
        `the new tables ${after.statements} and ${after.rejected}. Loads stay paused and both copies are kept ` +
        `(the old ones as *${RELAYOUT}); report this, with \`xapi-etl health\`.`,
    );
  }
  if (steps.get('resolve voids') !== 'done') {
    await resolveAllVoids(client, { schema: ctx.target, resolver: '00000000-0000-0000-0000-000000000003' });
    await recordStep(client, version, 'resolve voids', 'done');
  }
  for (const table of RAW_TABLES) await run(`DROP TABLE IF EXISTS ${table}${RELAYOUT} {{on_cluster}} SYNC`);
  if (ctx.target.sharded)
    for (const table of RAW_TABLES)
      await run(`DROP TABLE IF EXISTS ${table}${RELAYOUT}_local {{on_cluster}} SYNC`);
  if (!empty)
    ctx.say(
      `moved ${after.statements} statements and ${after.rejected} rejected lines into monthly partitions`,
    );
}

/** The statements (by section and id) and rejected lines (by file and line) a set of raw tables holds. */
async function counts(
  client: ClickHouseClient,
  suffix: string,
): Promise<{ statements: number; rejected: number }> {
  const rs = await client.query({
    query: `SELECT
              (SELECT uniqExact(section_id, statement_id) FROM statements${suffix}) AS statements,
              (SELECT uniqExact(section_id, source_bucket, source_key, source_etag, line_number) FROM rejected_statements${suffix}) AS rejected`,
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ statements: string; rejected: string }>();
  return { statements: Number(row?.statements ?? 0), rejected: Number(row?.rejected ?? 0) };
}

/** A bucket whose move stopped half-way: its rows written so far go, so that it is moved once. */
async function forgetBucket(ctx: ProcedureContext, bucket: number): Promise<void> {
  for (const table of [...RAW_TABLES, 'statement_index']) {
    await ctx.client.command({
      query: `DELETE FROM ${localName(table, ctx.target)} WHERE sipHash64(section_id) % ${V010_BUCKETS} = {bucket:UInt8}`,
      query_params: { bucket },
      clickhouse_settings: { lightweight_deletes_sync: '2' },
    });
  }
}

const ENTRY_COLUMNS =
  '(load_id, load_mode, validation, source_bucket, source_key, source_etag, source_size, source_time, line_number, section_id, event_type, line)';

async function reparseBucket(ctx: ProcedureContext, bucket: number): Promise<void> {
  const settings = {
    ...insertSettings({ batchBytes: 1024 * 1024 * 1024, files: 1, threads: ctx.threads }),
    // A section's rows span any number of months.
    max_partitions_per_insert_block: '0',
    ...(ctx.target.sharded ? { distributed_foreground_insert: 1 } : {}),
  };
  const where = `sipHash64(section_id) % ${V010_BUCKETS} = {bucket:UInt8}`;
  // A statement carries its own time or, for one without, the file's (its `timestamp` is that file time).
  await ctx.client.command({
    query: `INSERT INTO ingest_lines_lenient ${ENTRY_COLUMNS}
            SELECT load_id, 'reparse', 'lenient', source_bucket, source_key, source_etag, 0, timestamp,
                   line_number, section_id, event_type, raw
            FROM statements${RELAYOUT} WHERE ${where}`,
    query_params: { bucket },
    clickhouse_settings: settings,
  });
  // A rejected line: the time its file's name carries (what a load gives it), else when it was rejected.
  for (const validation of ['lenient', 'strict'] as const) {
    await ctx.client.command({
      query: `INSERT INTO ingest_lines_${validation} ${ENTRY_COLUMNS}
              SELECT load_id, 'reparse', validation, source_bucket, source_key, source_etag, 0,
                     coalesce(parseDateTime64BestEffortOrNull(
                         concat(t[1], 'T', t[2], ':', t[3], ':', t[4], if(t[5] = '', '', concat('.', t[5])), 'Z'), 3, 'UTC'),
                       rejected_at),
                     line_number, section_id, event_type, raw
              FROM (SELECT *, extractGroups(ifNull(extractGroups(source_key, {key_layout:String})[3], ''),
                                           {file_time_pattern:String}) AS t
                    FROM rejected_statements${RELAYOUT} WHERE ${where} AND validation = {validation:String})`,
      query_params: {
        bucket,
        validation,
        key_layout: KEY_LAYOUT_PATTERN,
        file_time_pattern: FILE_TIME_PATTERN,
      },
      clickhouse_settings: settings,
    });
  }
}
