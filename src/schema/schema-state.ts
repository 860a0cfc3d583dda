import type { ClickHouseClient } from '@clickhouse/client';
import { XapiEtlError } from '../errors.js';
import {
  type AppliedDerived,
  type AppliedMigration,
  appliedDerived,
  appliedMigrations,
  pausedBy,
} from './bookkeeping.js';
import { label, type MigrationFile, type MigrationSet, readMigrationSet } from './migration-files.js';

/**
 * Where a database stands against the schema this version ships (migrations/README.md):
 * - `current`: every versioned migration applied, every derived file as this version has it;
 * - `ahead`: a newer xapi-etl migrated it (deploy.sh migrates before it updates the code, so for a while the
 *   previous code runs on the next schema): loads go on; every migration keeps the previous version working;
 * - `behind`: migrations or derived objects this version needs are missing: loads are refused until
 *   `xapi-etl migrate` has run;
 * - `migrating`: a migration that moves the raw tables has paused loads and not finished;
 * - `missing`: no xapi-etl schema at all.
 */
export type SchemaStatus = 'current' | 'ahead' | 'behind' | 'migrating' | 'missing';

export interface SchemaState {
  status: SchemaStatus;
  /** False when the database has no schema_migrations table: nothing was ever migrated. */
  exists: boolean;
  appliedVersion: number;
  latestVersion: number;
  pending: MigrationFile[];
  /** Applied migrations whose file changed since (migrate refuses them). */
  modified: MigrationFile[];
  /** Versions applied that this xapi-etl does not know (a newer one migrated the database). */
  ahead: number[];
  /** Derived files the database has another version of (and is not ahead): `migrate` applies them. */
  derivedBehind: string[];
  paused?: { version: number; since: string };
}

export async function readSchemaState(
  client: ClickHouseClient,
  set: MigrationSet = readMigrationSet(),
): Promise<SchemaState> {
  const tables = await existingTables(client, ['schema_migrations', 'schema_derived', 'schema_progress']);
  const applied: AppliedMigration[] = tables.has('schema_migrations') ? await appliedMigrations(client) : [];
  const derived: AppliedDerived[] = tables.has('schema_derived') ? await appliedDerived(client) : [];
  const paused = tables.has('schema_progress') ? await pausedBy(client) : undefined;
  const files = set.versioned;
  const byVersion = new Map(applied.map((m) => [m.version, m]));
  const latestVersion = files.at(-1)?.version ?? 0;
  const appliedVersion = applied.at(-1)?.version ?? 0;
  const ahead = applied.filter((m) => m.version > latestVersion).map((m) => m.version);
  const recorded = new Map(derived.map((d) => [d.file, d.checksum]));
  const pending = files.filter((f) => !byVersion.has(f.version));
  const modified = files.filter(
    (f) => byVersion.has(f.version) && byVersion.get(f.version)?.checksum !== f.checksum,
  );
  const derivedBehind =
    ahead.length > 0 ? [] : set.derived.filter((d) => recorded.get(d.file) !== d.checksum).map((d) => d.file);
  const status: SchemaStatus = !tables.has('schema_migrations')
    ? 'missing'
    : paused
      ? 'migrating'
      : pending.length > 0 || modified.length > 0 || derivedBehind.length > 0
        ? 'behind'
        : ahead.length > 0
          ? 'ahead'
          : 'current';
  return {
    status,
    exists: tables.has('schema_migrations'),
    appliedVersion,
    latestVersion,
    pending,
    modified,
    ahead,
    derivedBehind,
    ...(paused ? { paused } : {}),
  };
}

async function existingTables(client: ClickHouseClient, names: string[]): Promise<Set<string>> {
  const rs = await client.query({
    query:
      'SELECT name FROM system.tables WHERE database = currentDatabase() AND name IN {names:Array(String)}',
    query_params: { names },
    format: 'JSONEachRow',
  });
  return new Set((await rs.json<{ name: string }>()).map((r) => r.name));
}

/**
 * The schema is behind this version: a person must run `xapi-etl migrate` (deploy.sh does, before it updates
 * the code). Not retried: a retry a minute later meets the same schema, so each event would be tried three
 * times and then sit in the dead-letter queue. The load is refused before it claims or writes anything; the
 * files that came meanwhile are loaded afterwards by a backfill over the window (docs/operations.md, "Upgrades").
 */
export class SchemaBehindError extends XapiEtlError {
  constructor(message: string) {
    super('SCHEMA_BEHIND', message, { retryable: false });
  }
}

/** A migration is moving the raw tables and has paused loads: retried, it loads once the migration ends. */
export class SchemaMigratingError extends XapiEtlError {
  constructor(message: string) {
    super('SCHEMA_MIGRATING', message, { retryable: true });
  }
}

/** What stops loads in this state, and what to do about it (undefined: nothing, the schema is usable). */
export function schemaProblem(state: SchemaState, where: string): string | undefined {
  if (state.status === 'current' || state.status === 'ahead') return undefined;
  if (state.status === 'missing') return `${where} has no xapi-etl schema yet: run \`xapi-etl migrate\``;
  if (state.status === 'migrating')
    return (
      `${where}: \`xapi-etl migrate\` (migration ${state.paused?.version}) is moving the raw tables and has paused ` +
      `loads since ${state.paused?.since} UTC (loads are retried meanwhile; an interrupted migrate finishes when run again)`
    );
  if (state.modified.length > 0)
    return `${where}: applied migrations differ from this version's files (${state.modified.map(label).join(', ')}); see \`xapi-etl migrate\``;
  const missing = [...state.pending.map(label), ...state.derivedBehind.map((f) => `derived/${f}`)];
  return (
    `${where} is at schema version ${state.appliedVersion}, this xapi-etl needs ${state.latestVersion} ` +
    `(missing: ${missing.join(', ')}): run \`xapi-etl migrate\`, then backfill what arrived meanwhile`
  );
}

const checked = new WeakMap<ClickHouseClient, Promise<void>>();

/**
 * Loads need the schema in place: instead of an INSERT failing on a missing table (with kilobytes of SQL in
 * the message), say what to do. A schema found usable is remembered per client (one check per Lambda
 * container); a failed check, or a failed read, never is: the next invocation asks again.
 */
export function assertSchemaCurrent(client: ClickHouseClient, database: string): Promise<void> {
  const known = checked.get(client);
  if (known) return known;
  const check = readSchemaState(client).then((state) => {
    const problem = schemaProblem(state, `database ${database}`);
    if (!problem) return;
    throw state.status === 'migrating' ? new SchemaMigratingError(problem) : new SchemaBehindError(problem);
  });
  const remembered = check.catch((error: unknown) => {
    if (checked.get(client) === remembered) checked.delete(client);
    throw error;
  });
  checked.set(client, remembered);
  return remembered;
}
