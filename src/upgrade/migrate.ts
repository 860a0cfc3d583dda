import type { ClickHouseClient } from '@clickhouse/client';
import { type RebuildProgress, rebuildAnalytics } from '../analytics/rebuild.js';
import { errorMessage, MigrationError } from '../errors.js';
import {
  type AppliedMigration,
  appliedDerived,
  appliedMigrations,
  ensureBookkeeping,
  pausedBy,
  recordDerived,
  recordStep,
  startRun,
} from '../schema/bookkeeping.js';
import { applyDerivedStatements } from '../schema/derived.js';
import { derivedDrift } from '../schema/derived-lock.js';
import { label, type MigrationFile, type MigrationSet, readMigrationSet } from '../schema/migration-files.js';
import { renderStatement, type SchemaTarget } from '../schema/render.js';
import { catchUpLoads } from '../voiding/catch-up.js';
import { applyEarlyColumns } from './early-columns.js';
import { PARSE_VIEWS_FILE, pauseLoads, resumeLoads } from './pause.js';
import { PROCEDURES } from './procedures.js';

/**
 * `xapi-etl migrate` (migrations/README.md): brings a database to this version's schema, in place, from any
 * earlier version (v0.1.0 included), while loads keep running wherever the migration allows it.
 *
 * 1. Versioned migrations not yet applied run in order, each recorded with its checksum; an applied one whose
 *    file changed is refused, and so is a database migrated by a newer version.
 * 2. Derived files whose content differs from what the database has are applied in place; the analytics state
 *    file is rebuilt from the raw tables (src/analytics/rebuild.ts), resumable, with progress.
 * 3. Loads that ran since the previous `migrate` started are caught up: their voids resolved across sections
 *    and their analytics refreshed (a version older than this one, still running during a deploy, did neither).
 * Re-running it is a no-op; after a crash it carries on where it stopped.
 */
export interface MigrateResult {
  applied: { version: number; name: string }[];
  alreadyApplied: number;
  latestVersion: number;
  /** Derived files applied now (their content changed, or the database had none). */
  derived: string[];
  rebuild?: { status: 'done' | 'stopped'; sections: number; resumed: boolean };
  caughtUpLoads: number;
}

export type MigrateEvent =
  | { kind: 'migration'; label: string }
  | { kind: 'say'; message: string }
  | { kind: 'rebuild'; progress: RebuildProgress };

export interface MigrateOptions {
  target?: SchemaTarget;
  /** Default: the migrations folder this version ships. */
  set?: MigrationSet;
  onEvent?: (e: MigrateEvent) => void;
  /** Checked between the sections of a rebuild: true stops it (the next migrate resumes). */
  shouldStop?: () => boolean;
  /** The engine's thread count, for the data moves. */
  threads?: number;
  cluster?: string;
}

export async function migrate(
  client: ClickHouseClient,
  options: MigrateOptions = {},
): Promise<MigrateResult> {
  const set = options.set ?? readMigrationSet();
  const migrations = set.versioned;
  const target = options.target ?? {};
  const say = (message: string) => options.onEvent?.({ kind: 'say', message });
  // Cloud: one shard by construction (its `default` cluster lists the service's replicas).
  if (target.cluster && target.replicated !== false && !target.cloud) await assertShardLayout(client, target);
  assertDerivedNamed(set);
  await ensureBookkeeping(client, target);
  const previousRun = await startRun(client);
  const applied = await appliedMigrations(client);
  const byVersion = new Map(applied.map((m) => [m.version, m]));

  assertSameLineage(applied, migrations);
  assertNotAhead(applied, migrations);
  for (const m of migrations) {
    const done = byVersion.get(m.version);
    if (done && done.checksum !== m.checksum) {
      throw new MigrationError(
        `Migration ${label(m)} was changed after it was applied ` +
          `(recorded checksum ${done.checksum.slice(0, 12)}…, file ${m.checksum.slice(0, 12)}…). ` +
          'Applied migrations must not be edited: restore the file and add a new migration.',
      );
    }
  }

  const result: MigrateResult = {
    applied: [],
    alreadyApplied: 0,
    latestVersion: migrations.at(-1)?.version ?? 0,
    derived: [],
    caughtUpLoads: 0,
  };
  const ctx = {
    client,
    target,
    set,
    threads: options.threads ?? 2,
    cluster: options.cluster ?? target.cluster,
    say,
    // A database that had no schema when this run began: nobody can be loading into it (a load refuses a
    // missing schema), so there are no loads to pause.
    fresh: applied.length === 0,
  };
  for (const [index, m] of migrations.entries()) {
    if (byVersion.has(m.version)) {
      result.alreadyApplied += 1;
      continue;
    }
    options.onEvent?.({ kind: 'migration', label: label(m) });
    await applyMigration(m, { ...ctx, version: m.version, later: migrations.slice(index + 1) });
    await client.insert({
      table: 'schema_migrations',
      values: [{ version: m.version, name: m.name, checksum: m.checksum }],
      format: 'JSONEachRow',
    });
    result.applied.push({ version: m.version, name: m.name });
  }
  if (set.derived.length === 0) return result;

  // Derived objects: what changed, in file order. A pause left by this run or an earlier one ends with the
  // parse views applied again.
  const paused = await pausedBy(client);
  const recorded = new Map((await appliedDerived(client)).map((d) => [d.file, d.checksum]));
  for (const file of set.derived) {
    const resume = paused !== undefined && file.file === PARSE_VIEWS_FILE;
    if (recorded.get(file.file) === file.checksum && !resume) continue;
    if (file.rebuildsAnalytics) {
      const rebuild = await rebuildAnalytics(client, file, {
        target,
        cluster: ctx.cluster,
        shouldStop: options.shouldStop,
        onProgress: (progress) => options.onEvent?.({ kind: 'rebuild', progress }),
      });
      result.rebuild = { status: rebuild.status, sections: rebuild.sections, resumed: rebuild.resumed };
      // The files after it read its tables: they wait until the rebuild has finished.
      if (rebuild.status === 'stopped') return result;
    } else if (resume) {
      await resumeLoads({ ...ctx, version: paused.version });
      say('loads resumed');
    } else {
      await applyDerivedStatements(client, file.file, file.statements, target);
    }
    await recordDerived(client, file.file, file.checksum, result.latestVersion);
    result.derived.push(file.file);
  }

  result.caughtUpLoads = await catchUpLoads(client, previousRun, { schema: target });
  return result;
}

async function applyMigration(
  m: MigrationFile,
  ctx: Parameters<(typeof PROCEDURES)[string]>[0] & {
    cluster?: string;
    fresh: boolean;
    later: MigrationFile[];
  },
): Promise<void> {
  for (const step of m.steps) {
    // These apply derived files as they are now: the columns those read must exist (early-columns.ts).
    if (step.kind === 'pause-loads' || step.kind === 'procedure')
      await applyEarlyColumns(ctx.client, ctx.later, ctx.target);
    if (step.kind === 'pause-loads') {
      if (!ctx.fresh) await pauseLoads(ctx);
      continue;
    }
    if (step.kind === 'procedure') {
      const procedure = PROCEDURES[step.name];
      if (!procedure)
        throw new MigrationError(`Migration ${label(m)} names an unknown procedure "${step.name}"`);
      try {
        await procedure(ctx);
      } catch (cause) {
        throw cause instanceof MigrationError
          ? cause
          : new MigrationError(`Migration ${label(m)}, ${step.name}: ${errorMessage(cause)}`, { cause });
      }
      continue;
    }
    try {
      for (const r of renderStatement(step.sql, ctx.target)) await ctx.client.command({ query: r.sql });
    } catch (cause) {
      throw new MigrationError(
        `Migration ${label(m)} failed: ${errorMessage(cause)}\nStatement:\n${step.sql.slice(0, 400)}`,
        { cause },
      );
    }
  }
  await recordStep(ctx.client, m.version, 'applied', 'done');
}

/** A derived file changed without a migration naming it: the version number would not say so. */
function assertDerivedNamed(set: MigrationSet): void {
  const drift = derivedDrift(set);
  if (drift.length === 0) return;
  throw new MigrationError(
    `derived ${drift.map((d) => d.file).join(', ')} changed without a migration naming the new content ` +
      '(migrations/README.md: `npm run schema:generate` prints the line to add)',
  );
}

/**
 * Development versions before 0.1.0 shipped other migrations (0001_core_tables … 0004_fast_lenient_parse),
 * since squashed into one baseline. Their schema cannot be upgraded in place: say so, and what to do,
 * instead of a checksum error about a file the user never edited.
 */
function assertSameLineage(applied: AppliedMigration[], files: MigrationFile[]): void {
  const names = new Map(files.map((f) => [f.version, f.name]));
  const foreign = applied.filter((m) => names.has(m.version) && names.get(m.version) !== m.name);
  if (foreign.length === 0) return;
  throw new MigrationError(
    `This database holds the schema of an earlier development version of xapi-etl ` +
      `(${foreign.map((m) => label(m)).join(', ')}), which this version cannot upgrade in place. ` +
      'Start from an empty database and load your files again: for the embedded engine, move or delete the data ' +
      'directory (XAPI_ETL_DATA_DIR, default .xapi-etl/); on a server, use a new CLICKHOUSE_DATABASE ' +
      '(or drop the old one). Then run `xapi-etl migrate` and `xapi-etl process … --force`.',
  );
}

/** A newer xapi-etl migrated this database: this one must not run its (older) migrations over it. */
function assertNotAhead(applied: AppliedMigration[], files: MigrationFile[]): void {
  const latest = files.at(-1)?.version ?? 0;
  const ahead = applied.filter((m) => m.version > latest);
  if (ahead.length === 0) return;
  throw new MigrationError(
    `This database was migrated by a newer xapi-etl (it has ${ahead.map((m) => label(m)).join(', ')}; this version ` +
      `knows up to ${latest}). Run \`migrate\` with that version; this one can still load into it.`,
  );
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
        'rows and analytics live on one shard, behind Distributed tables (docs/architecture.md, "Scale-out").',
    );
  }
}
