import type { ClickHouseClient } from '@clickhouse/client';
import { XapiEtlError } from '../errors.js';
import { type AppliedMigration, appliedMigrations } from './migrate.js';
import { type MigrationFile, readMigrationFiles } from './migration-files.js';

/** Where a database stands against the migration files this version ships. */
export interface SchemaState {
  /** False when the database has no schema_migrations table: nothing was ever migrated. */
  exists: boolean;
  appliedVersion: number;
  latestVersion: number;
  pending: MigrationFile[];
  /** Applied migrations whose file changed since (migrate refuses them). */
  modified: MigrationFile[];
}

export async function readSchemaState(
  client: ClickHouseClient,
  files: MigrationFile[] = readMigrationFiles(),
): Promise<SchemaState> {
  let applied: AppliedMigration[];
  let exists = true;
  try {
    applied = await appliedMigrations(client);
  } catch (error) {
    if (!/UNKNOWN_TABLE|Unknown table|doesn't exist|does not exist/i.test(String(error))) throw error;
    applied = [];
    exists = false;
  }
  const byVersion = new Map(applied.map((m) => [m.version, m]));
  return {
    exists,
    appliedVersion: applied.at(-1)?.version ?? 0,
    latestVersion: files.at(-1)?.version ?? 0,
    pending: files.filter((f) => !byVersion.has(f.version)),
    modified: files.filter(
      (f) => byVersion.has(f.version) && byVersion.get(f.version)?.checksum !== f.checksum,
    ),
  };
}

/** A server whose schema is behind this version: an operator runs `xapi-etl migrate` (then retries work). */
export class SchemaOutdatedError extends XapiEtlError {
  constructor(message: string) {
    super('SCHEMA_OUTDATED', message, { retryable: true });
  }
}

const checked = new WeakMap<ClickHouseClient, Promise<void>>();

/**
 * Loads need the schema in place: instead of an INSERT failing on a missing table (with kilobytes of
 * SQL in the message), say what to do. Checked once per client (one query per Lambda container).
 */
export function assertSchemaCurrent(client: ClickHouseClient, database: string): Promise<void> {
  let done = checked.get(client);
  if (!done) {
    done = readSchemaState(client).then((state) => {
      if (state.pending.length === 0 && state.modified.length === 0) return;
      checked.delete(client); // checked again next time: someone may run migrate meanwhile
      const where = `database ${database}`;
      if (!state.exists)
        throw new SchemaOutdatedError(`${where} has no xapi-etl schema yet: run \`xapi-etl migrate\``);
      if (state.modified.length > 0)
        throw new SchemaOutdatedError(
          `${where}: applied migrations differ from this version's files (${state.modified.map(label).join(', ')}); see \`xapi-etl migrate\``,
        );
      throw new SchemaOutdatedError(
        `${where} is at schema version ${state.appliedVersion}, this xapi-etl needs ${state.latestVersion}: run \`xapi-etl migrate\``,
      );
    });
    checked.set(client, done);
  }
  return done;
}

export function label(m: { version: number; name: string }): string {
  return `${String(m.version).padStart(4, '0')}_${m.name}`;
}
