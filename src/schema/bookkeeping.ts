import type { ClickHouseClient } from '@clickhouse/client';
import { renderStatement, type SchemaTarget } from './render.js';

/**
 * The tables `migrate` keeps about itself, created before any migration runs:
 * - schema_migrations: each versioned migration applied, with its checksum (v0.1.0 has this one);
 * - schema_derived: each derived file applied, with its checksum and the schema version that applied it;
 * - schema_progress: where an unfinished migration stands (its steps done, whether loads are paused), and when
 *   the last `migrate` run started (the catch-up of loads made meanwhile reads it).
 * On a sharded cluster each lives on one shard (key 0), read through its Distributed table.
 */
const TABLES = [
  `CREATE TABLE IF NOT EXISTS schema_migrations {{on_cluster}} (
      version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree(applied_at) ORDER BY version {{shard_by 0}}`,
  `CREATE TABLE IF NOT EXISTS schema_derived {{on_cluster}} (
      file String, checksum String, schema_version UInt32, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree(applied_at) ORDER BY file {{shard_by 0}}`,
  `CREATE TABLE IF NOT EXISTS schema_progress {{on_cluster}} (
      version UInt32, step String, state String, detail String, at DateTime64(3, 'UTC') DEFAULT now64(3)
    ) ENGINE = ReplacingMergeTree(at) ORDER BY (version, step) {{shard_by 0}}`,
];

export async function ensureBookkeeping(client: ClickHouseClient, target: SchemaTarget): Promise<void> {
  for (const sql of TABLES)
    for (const r of renderStatement(sql, target)) await client.command({ query: r.sql });
}

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
}

export async function appliedMigrations(client: ClickHouseClient): Promise<AppliedMigration[]> {
  const rs = await client.query({
    query: 'SELECT version, name, checksum FROM schema_migrations FINAL ORDER BY version',
    format: 'JSONEachRow',
  });
  return (await rs.json<AppliedMigration>()).map((m) => ({ ...m, version: Number(m.version) }));
}

export interface AppliedDerived {
  file: string;
  checksum: string;
  schemaVersion: number;
}

export async function appliedDerived(client: ClickHouseClient): Promise<AppliedDerived[]> {
  const rs = await client.query({
    query: 'SELECT file, checksum, schema_version FROM schema_derived FINAL ORDER BY file',
    format: 'JSONEachRow',
  });
  return (await rs.json<{ file: string; checksum: string; schema_version: number | string }>()).map((r) => ({
    file: r.file,
    checksum: r.checksum,
    schemaVersion: Number(r.schema_version),
  }));
}

export async function recordDerived(
  client: ClickHouseClient,
  file: string,
  checksum: string,
  schemaVersion: number,
): Promise<void> {
  await client.insert({
    table: 'schema_derived',
    values: [{ file, checksum, schema_version: schemaVersion }],
    format: 'JSONEachRow',
  });
}

/** The steps of migration `version` recorded as done (a re-run after a crash skips them). */
export async function stepsDone(client: ClickHouseClient, version: number): Promise<Map<string, string>> {
  const rs = await client.query({
    query: 'SELECT step, state FROM schema_progress FINAL WHERE version = {version:UInt32}',
    query_params: { version },
    format: 'JSONEachRow',
  });
  return new Map((await rs.json<{ step: string; state: string }>()).map((r) => [r.step, r.state]));
}

export async function recordStep(
  client: ClickHouseClient,
  version: number,
  step: string,
  state: string,
  detail = '',
): Promise<void> {
  await client.insert({
    table: 'schema_progress',
    values: [{ version, step, state, detail }],
    format: 'JSONEachRow',
  });
}

/** Loads paused by a migration that has not finished: the version and since when (undefined when none). */
export async function pausedBy(
  client: ClickHouseClient,
): Promise<{ version: number; since: string } | undefined> {
  const rs = await client.query({
    query: `SELECT version, toString(at) AS since FROM schema_progress FINAL
            WHERE step = 'loads' AND state = 'paused' ORDER BY version DESC LIMIT 1`,
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ version: number | string; since: string }>();
  return row ? { version: Number(row.version), since: row.since } : undefined;
}

/**
 * Marks the start of a `migrate` run and returns when the one before started (undefined for the first): loads
 * made since then by a version that did not resolve voids across sections are caught up (src/schema/migrate.ts).
 */
export async function startRun(client: ClickHouseClient): Promise<Date | undefined> {
  const rs = await client.query({
    query: `SELECT toUnixTimestamp64Milli(at) AS ms FROM schema_progress FINAL WHERE version = 0 AND step = 'run'`,
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ ms: string | number }>();
  await recordStep(client, 0, 'run', 'started');
  return row ? new Date(Number(row.ms)) : undefined;
}
