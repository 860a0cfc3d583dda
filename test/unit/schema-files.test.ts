import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { readMigrationSet } from '../../src/schema/migration-files.js';
import { distributedTableSql, onClusterClause, renderStatement } from '../../src/schema/render.js';
import { guardedStatements, PARSE_VIEWS_FILE } from '../../src/upgrade/pause.js';

/** The schema as files (migrations/README.md): steps and directives, the pause guard, the cluster rendering. */
function folder(files: Record<string, string>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-files-'));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, name)), { recursive: true });
    fs.writeFileSync(path.join(dir, name), text);
  }
  return dir;
}

describe('migration files', () => {
  it('keeps statements and step directives in file order, and reads what each names', () => {
    const sha = 'a'.repeat(64);
    const set = readMigrationSet(
      folder({
        '0001_one.sql': 'CREATE TABLE a (x UInt8) ENGINE = Memory;\n',
        '0002_two.sql': `-- @derived 10_v.sql ${sha}\nALTER TABLE a ADD COLUMN y UInt8;\n-- @pause-loads\n-- @procedure move-raw-tables\nDROP TABLE b;\n`,
        'derived/10_v.sql': '-- @rebuilds-analytics\nCREATE OR REPLACE VIEW v AS SELECT 1;\n',
        'README.md': 'not a migration',
      }),
    );
    expect(set.versioned.map((m) => m.name)).toEqual(['one', 'two']);
    expect(set.versioned[1]?.steps).toEqual([
      { kind: 'sql', sql: 'ALTER TABLE a ADD COLUMN y UInt8' },
      { kind: 'pause-loads' },
      { kind: 'procedure', name: 'move-raw-tables' },
      { kind: 'sql', sql: 'DROP TABLE b' },
    ]);
    expect(set.versioned[1]?.derived).toEqual([{ file: '10_v.sql', checksum: sha }]);
    expect(set.derived).toMatchObject([{ file: '10_v.sql', rebuildsAnalytics: true }]);
  });

  it('refuses a derived line without the content it expects, and a gap in the numbers', () => {
    expect(() => readMigrationSet(folder({ '0001_one.sql': '-- @derived 10_v.sql\n' }))).toThrow(
      /needs the file's sha256/,
    );
    expect(() => readMigrationSet(folder({ '0001_one.sql': '', '0003_three.sql': '' }))).toThrow(
      /without gaps/,
    );
  });
});

describe('the pause of loads', () => {
  it("guards each parse view at its first block, with an error every version retries, letting the move's re-parse through", () => {
    const file = readMigrationSet().derived.find((d) => d.file === PARSE_VIEWS_FILE);
    expect(file).toBeDefined();
    const guarded = guardedStatements(file as NonNullable<typeof file>);
    expect(guarded).toHaveLength(2);
    for (const sql of guarded) {
      expect(sql).toMatch(
        /\nWHERE throwIf\(load_mode != 'reparse',[\s\S]*toInt16\(242\)\) = 0\nSETTINGS allow_custom_error_code_in_throwif = 1, input_format_try_infer_dates = 0/,
      );
    }
  });

  it('refuses a parse view it cannot guard', () => {
    const bad = {
      file: PARSE_VIEWS_FILE,
      checksum: '',
      sql: '',
      rebuildsAnalytics: false,
      statements: ['CREATE OR REPLACE VIEW v AS SELECT 1'],
    };
    expect(() => guardedStatements(bad)).toThrow(/cannot be paused/);
  });
});

describe('rendering for a cluster', () => {
  it('{{local x}} names the table that holds the rows: x_local on shards, x elsewhere', () => {
    const sql = 'ALTER TABLE {{local t}} {{on_cluster}} ADD COLUMN IF NOT EXISTS c UInt8';
    expect(renderStatement(sql)[0]?.sql).toBe('ALTER TABLE t ADD COLUMN IF NOT EXISTS c UInt8');
    expect(renderStatement(sql, { cluster: 'c', sharded: true })[0]?.sql).toBe(
      'ALTER TABLE t_local ON CLUSTER `c` ADD COLUMN IF NOT EXISTS c UInt8',
    );
  });

  it('remakes a Distributed table over its local table, atomically, only when sharded', () => {
    expect(distributedTableSql('t', 'sipHash64(section_id)', {})).toBeUndefined();
    expect(distributedTableSql('t', 'sipHash64(section_id)', { cluster: 'c', sharded: true })).toBe(
      "CREATE OR REPLACE TABLE t ON CLUSTER `c` AS t_local\nENGINE = Distributed('c', currentDatabase(), t_local, sipHash64(section_id))",
    );
  });

  it('adds ON CLUSTER to hand-run statements on a cluster, not on Cloud', () => {
    expect(onClusterClause({})).toBe('');
    expect(onClusterClause({ cluster: 'c' })).toBe(' ON CLUSTER `c`');
    // Shards without replication still need their tables on every node.
    expect(onClusterClause({ cluster: 'c', replicated: false })).toBe(' ON CLUSTER `c`');
    expect(onClusterClause({ cluster: 'c', cloud: true })).toBe('');
    expect(onClusterClause({ cluster: 'c', onCluster: false })).toBe('');
  });

  it('runs a replaced view of a sharded schema with shard-local subqueries too', () => {
    const [view] = renderStatement('CREATE OR REPLACE VIEW v {{on_cluster}} AS SELECT 1', {
      cluster: 'c',
      sharded: true,
    });
    expect(view?.sql).toBe(
      "CREATE OR REPLACE VIEW v ON CLUSTER `c` AS SELECT 1\nSETTINGS distributed_product_mode = 'local'",
    );
  });
});
