import { describe, expect, it } from 'vitest';
import { readMigrationFiles, splitStatements } from '../../src/schema/migration-files.js';
import { renderStatement } from '../../src/schema/render.js';

describe('renderStatement', () => {
  const ddl =
    'CREATE TABLE IF NOT EXISTS t {{on_cluster}} (a UInt8) ENGINE = ReplacingMergeTree(v) ORDER BY a';

  it('drops the placeholder on a single node', () => {
    expect(renderStatement(ddl)).toBe(
      'CREATE TABLE IF NOT EXISTS t (a UInt8) ENGINE = ReplacingMergeTree(v) ORDER BY a',
    );
  });

  it('adds ON CLUSTER and Replicated engines on a cluster', () => {
    expect(renderStatement(ddl, 'analytics')).toBe(
      'CREATE TABLE IF NOT EXISTS t ON CLUSTER `analytics` (a UInt8) ENGINE = ReplicatedReplacingMergeTree(v) ORDER BY a',
    );
    expect(renderStatement('ENGINE = MergeTree ORDER BY a', 'c')).toBe(
      'ENGINE = ReplicatedMergeTree ORDER BY a',
    );
    expect(renderStatement('ENGINE = SummingMergeTree((a, b))', 'c')).toBe(
      'ENGINE = ReplicatedSummingMergeTree((a, b))',
    );
    expect(renderStatement('ENGINE = Null', 'c')).toBe('ENGINE = Null');
  });

  it('renders every shipped migration for a cluster: each DDL gets ON CLUSTER, no plain MergeTree remains', () => {
    for (const m of readMigrationFiles()) {
      for (const statement of splitStatements(m.sql)) {
        const sql = renderStatement(statement, 'prod_cluster');
        expect(sql).toMatch(/ON CLUSTER `prod_cluster`/);
        expect(sql).not.toMatch(/\{\{/);
        expect(sql).not.toMatch(/ENGINE\s*=\s*(Replacing|Summing)?MergeTree/);
      }
    }
  });
});
