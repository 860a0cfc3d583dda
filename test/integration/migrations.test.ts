import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MigrationError } from '../../src/errors.js';
import { readMigrationFiles, readMigrationSet } from '../../src/schema/migration-files.js';
import { migrate } from '../../src/upgrade/migrate.js';
import { type Harness, startHarness } from '../helpers/harness.js';

describe('schema migrations', () => {
  let h: Harness;
  // Each test has a database of its own (a new one, or one already migrated).
  beforeAll(async () => {
    h = await startHarness({ migrate: false });
  });
  afterAll(async () => h?.close());

  it('applies every migration once, records checksums, and is a no-op the second time', async () => {
    const w = await h.isolated({ migrate: false });
    const files = readMigrationFiles();
    const first = await migrate(w.rt.engine.client);
    expect(first.applied.map((m) => m.version)).toEqual(files.map((f) => f.version));
    const second = await migrate(w.rt.engine.client);
    expect(second.applied).toEqual([]);
    expect(second.alreadyApplied).toBe(files.length);
    const rows = await w.query<{ version: number; checksum: string }>(
      'SELECT version, checksum FROM schema_migrations FINAL ORDER BY version',
    );
    expect(rows.map((r) => r.checksum)).toEqual(files.map((f) => f.checksum));
    const tables = await w.query<{ name: string }>(
      'SELECT name FROM system.tables WHERE database = currentDatabase()',
    );
    expect(tables.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'statements',
        'video_events',
        'rejected_statements',
        'ingested_files',
        'statements_active',
        'video_events_active',
        'schema_migrations',
      ]),
    );
  });

  it('refuses to run when an applied migration file was edited', async () => {
    const w = await h.isolated();
    const set = readMigrationSet();
    const edited = {
      ...set,
      versioned: set.versioned.map((f, i) =>
        i === 0 ? { ...f, sql: `${f.sql}\n-- edit`, checksum: 'f00d' } : f,
      ),
    };
    await expect(migrate(w.rt.engine.client, { set: edited })).rejects.toThrow(MigrationError);
    await expect(migrate(w.rt.engine.client, { set: edited })).rejects.toThrow(
      /changed after it was applied/,
    );
  });

  it('explains what to do with a database made by a development version before the baseline', async () => {
    const w = await h.isolated();
    const files = readMigrationFiles();
    // What 0.1.0 development builds recorded: four migrations under other names.
    const older = [
      { ...(files[0] as (typeof files)[number]), name: 'core_tables' },
      ...files.slice(1).map((f) => ({ ...f, name: `${f.name}_old` })),
    ];
    const rows = await w.query<{ version: number; name: string; checksum: string }>(
      'SELECT version, name, checksum FROM schema_migrations FINAL ORDER BY version',
    );
    await w.rt.engine.client.insert({
      table: 'schema_migrations',
      values: rows.map((r, i) => ({ ...r, name: older[i]?.name ?? r.name })),
      format: 'JSONEachRow',
    });
    await expect(migrate(w.rt.engine.client)).rejects.toThrow(
      /earlier development version of xapi-etl \(0001_core_tables.*move or delete the data directory/s,
    );
  });
});
