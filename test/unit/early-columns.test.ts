import { describe, expect, it } from 'vitest';
import { readMigrationSet } from '../../src/schema/migration-files.js';
import { additiveColumnStatements } from '../../src/upgrade/early-columns.js';

describe('columns applied early (src/upgrade/early-columns.ts)', () => {
  it("picks the later migrations' ADD COLUMN IF NOT EXISTS statements, nothing else", () => {
    const set = readMigrationSet();
    const after3 = set.versioned.filter((m) => m.version > 3);
    const picked = additiveColumnStatements(after3);
    expect(picked.map((s) => s.split('\n')[0])).toEqual([
      'ALTER TABLE ingest_lines_strict {{on_cluster}}',
      'ALTER TABLE ingest_lines_lenient {{on_cluster}}',
      'ALTER TABLE {{local statements}} {{on_cluster}}',
      'ALTER TABLE statements {{on_cluster}}',
    ]);
    // 0003 holds other ALTERs too (UPDATE, DROP, …): only its purely additive ones would be picked.
    const from3 = additiveColumnStatements(set.versioned.filter((m) => m.version === 3));
    expect(
      from3.every((s) => !/\b(DROP|MODIFY|UPDATE|DELETE|RENAME)\b/i.test(s.replace(/--[^\n]*/g, ''))),
    ).toBe(true);
    const mixed = additiveColumnStatements([
      {
        ...(set.versioned[0] as (typeof set.versioned)[number]),
        steps: [
          { kind: 'sql', sql: 'ALTER TABLE t ADD COLUMN IF NOT EXISTS a UInt8, DROP COLUMN b' },
          { kind: 'sql', sql: 'ALTER TABLE t ADD COLUMN c UInt8' },
          { kind: 'sql', sql: '-- why\nALTER TABLE t {{on_cluster}} ADD COLUMN IF NOT EXISTS d UInt8' },
        ],
      },
    ]);
    expect(mixed).toEqual(['ALTER TABLE t {{on_cluster}} ADD COLUMN IF NOT EXISTS d UInt8']);
  });
});
