import type { ClickHouseClient } from '@clickhouse/client';
import { errorMessage, MigrationError } from '../errors.js';
import { type MigrationFile, readMigrationFiles, splitStatements } from './migration-files.js';
import { renderStatement, type SchemaTarget } from './render.js';

export interface MigrateResult {
  applied: { version: number; name: string }[];
  alreadyApplied: number;
  latestVersion: number;
}

export interface AppliedMigration {
  version: number;
  name: string;
  checksum: string;
}

/**
 * Applies the migrations that have not run yet, in order, and records each in schema_migrations with
 * its checksum. Re-running is a no-op. A migration whose file changed after it was applied is refused:
 * ship a new migration instead of editing an old one.
 */
export async function migrate(
  client: ClickHouseClient,
  options: { target?: SchemaTarget; migrations?: MigrationFile[] } = {},
): Promise<MigrateResult> {
  const migrations = options.migrations ?? readMigrationFiles();
  const target = options.target ?? {};
  if (target.cluster && target.replicated !== false) await assertShardLayout(client, target);
  await ensureMigrationsTable(client, target);
  const applied = await appliedMigrations(client);
  const byVersion = new Map(applied.map((m) => [m.version, m]));

  assertSameLineage(applied, migrations);
  for (const m of migrations) {
    const done = byVersion.get(m.version);
    if (done && done.checksum !== m.checksum) {
      throw new MigrationError(
        `Migration ${pad(m.version)}_${m.name} was changed after it was applied ` +
          `(recorded checksum ${done.checksum.slice(0, 12)}…, file ${m.checksum.slice(0, 12)}…). ` +
          'Applied migrations must not be edited: restore the file and add a new migration.',
      );
    }
  }

  const result: MigrateResult = {
    applied: [],
    alreadyApplied: 0,
    latestVersion: migrations.at(-1)?.version ?? 0,
  };
  for (const m of migrations) {
    if (byVersion.has(m.version)) {
      result.alreadyApplied += 1;
      continue;
    }
    for (const statement of splitStatements(m.sql)) {
      try {
        for (const r of renderStatement(statement, target)) await client.command({ query: r.sql });
      } catch (cause) {
        throw new MigrationError(
          `Migration ${pad(m.version)}_${m.name} failed: ${errorMessage(cause)}\nStatement:\n${statement.slice(0, 400)}`,
          { cause },
        );
      }
    }
    await client.insert({
      table: 'schema_migrations',
      values: [{ version: m.version, name: m.name, checksum: m.checksum }],
      format: 'JSONEachRow',
    });
    result.applied.push({ version: m.version, name: m.name });
  }
  return result;
}

/**
 * Development versions before 0.1.0 shipped other migrations (0001_core_tables … 0004_fast_lenient_parse),
 * since squashed into one baseline. Their schema cannot be upgraded in place: say so, and what to do,
 * instead of a checksum error about a file the user never edited.
 */
function assertSameLineage(applied: AppliedMigration[], files: MigrationFile[]): void {
  const names = new Map(files.map((f) => [f.version, f.name]));
  const foreign = applied.filter((m) => names.get(m.version) !== m.name);
  if (foreign.length === 0) return;
  throw new MigrationError(
    `This database holds the schema of an earlier development version of xapi-etl ` +
      `(${foreign.map((m) => `${pad(m.version)}_${m.name}`).join(', ')}), which this version cannot upgrade in place. ` +
      'Start from an empty database and load your files again: for the embedded engine, move or delete the data ' +
      'directory (XAPI_ETL_DATA_DIR, default .xapi-etl/); on a server, use a new CLICKHOUSE_DATABASE ' +
      '(or drop the old one). Then run `xapi-etl migrate` and `xapi-etl process … --force`.',
  );
}

export async function appliedMigrations(client: ClickHouseClient): Promise<AppliedMigration[]> {
  const rs = await client.query({
    query: 'SELECT version, name, checksum FROM schema_migrations FINAL ORDER BY version',
    format: 'JSONEachRow',
  });
  return (await rs.json<AppliedMigration>()).map((m) => ({ ...m, version: Number(m.version) }));
}

async function ensureMigrationsTable(client: ClickHouseClient, target: SchemaTarget): Promise<void> {
  // On a sharded cluster the record lives on one shard (key 0), read through its Distributed table.
  const statements = renderStatement(
    `CREATE TABLE IF NOT EXISTS schema_migrations {{on_cluster}} (
        version UInt32, name String, checksum String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3)
      ) ENGINE = ReplacingMergeTree(applied_at) ORDER BY version {{shard_by 0}}`,
    target,
  );
  for (const r of statements) await client.command({ query: r.sql });
}

/**
 * The layout must match the cluster: several shards without CLICKHOUSE_SHARDED would keep each shard's
 * rows apart from the copies and voids on other shards, and analytics would be split.
 */
async function assertShardLayout(client: ClickHouseClient, target: SchemaTarget): Promise<void> {
  const rs = await client.query({
    query: 'SELECT uniqExact(shard_num) AS shards FROM system.clusters WHERE cluster = {cluster:String}',
    query_params: { cluster: target.cluster },
    format: 'JSONEachRow',
  });
  const shards = Number((await rs.json<{ shards: string }>())[0]?.shards ?? 0);
  if (shards === 0) {
    throw new MigrationError(
      `ClickHouse knows no cluster named "${target.cluster}" (system.clusters): check CLICKHOUSE_CLUSTER.`,
    );
  }
  if (shards > 1 && !target.sharded) {
    throw new MigrationError(
      `Cluster "${target.cluster}" has ${shards} shards: set CLICKHOUSE_SHARDED=true so that each section's ` +
        'rows and analytics live on one shard, behind Distributed tables (README, "Scale-out").',
    );
  }
}

function pad(version: number): string {
  return String(version).padStart(4, '0');
}
