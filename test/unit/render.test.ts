import { describe, expect, it } from 'vitest';
import { stateStatements } from '../../src/analytics/rebuild.js';
import { readMigrationSet, splitStatements } from '../../src/schema/migration-files.js';
import { type RenderedStatement, renderStatement, type SchemaTarget } from '../../src/schema/render.js';

const sqlOf = (r: RenderedStatement[]) => r.map((x) => x.sql);
/** Every statement migrate can run: the versioned migrations' and the derived files' (the state file as live). */
const everyStatement = (target: SchemaTarget) => {
  const set = readMigrationSet();
  const derived = set.derived.flatMap((d) =>
    d.rebuildsAnalytics ? stateStatements(d, 'live') : d.statements,
  );
  return [...set.versioned.flatMap((m) => splitStatements(m.sql)), ...derived].flatMap((s) =>
    renderStatement(s, target),
  );
};

describe('renderStatement', () => {
  const ddl =
    'CREATE TABLE IF NOT EXISTS t {{on_cluster}} (a UInt8) ENGINE = ReplacingMergeTree(v) ORDER BY a';

  it('drops the placeholders on a single node', () => {
    expect(sqlOf(renderStatement(`${ddl}\n{{shard_by sipHash64(a)}}`))).toEqual([
      'CREATE TABLE IF NOT EXISTS t (a UInt8) ENGINE = ReplacingMergeTree(v) ORDER BY a',
    ]);
  });

  it('adds ON CLUSTER and Replicated engines on a cluster', () => {
    expect(sqlOf(renderStatement(ddl, { cluster: 'analytics' }))).toEqual([
      'CREATE TABLE IF NOT EXISTS t ON CLUSTER `analytics` (a UInt8) ENGINE = ReplicatedReplacingMergeTree(v) ORDER BY a',
    ]);
    const engine = (e: string) => sqlOf(renderStatement(e, { cluster: 'c' }))[0];
    expect(engine('ENGINE = MergeTree ORDER BY a')).toBe('ENGINE = ReplicatedMergeTree ORDER BY a');
    expect(engine('ENGINE = SummingMergeTree((a, b))')).toBe('ENGINE = ReplicatedSummingMergeTree((a, b))');
    expect(engine('ENGINE = ReplacingMergeTree(version, is_deleted)')).toBe(
      'ENGINE = ReplicatedReplacingMergeTree(version, is_deleted)',
    );
    expect(engine('ENGINE = Null')).toBe('ENGINE = Null');
  });

  it('puts a table marked shard_by behind a Distributed table of the same name, sharded by the expression', () => {
    const out = renderStatement(`${ddl}\n{{shard_by sipHash64(a)}}`, { cluster: 'c', sharded: true });
    expect(out).toEqual([
      {
        sql: 'CREATE TABLE IF NOT EXISTS t_local ON CLUSTER `c` (a UInt8) ENGINE = ReplicatedReplacingMergeTree(v) ORDER BY a',
        shardLocal: true,
      },
      {
        sql: "CREATE TABLE IF NOT EXISTS t ON CLUSTER `c` AS t_local\nENGINE = Distributed('c', currentDatabase(), t_local, sipHash64(a))",
        shardLocal: false,
      },
    ]);
  });

  it('runs the views of a sharded schema with shard-local subqueries; materialized views write to the Distributed names', () => {
    const [view] = renderStatement('CREATE VIEW IF NOT EXISTS v {{on_cluster}} AS SELECT 1', {
      cluster: 'c',
      sharded: true,
    });
    expect(view?.sql).toBe(
      "CREATE VIEW IF NOT EXISTS v ON CLUSTER `c` AS SELECT 1\nSETTINGS distributed_product_mode = 'local'",
    );
    const [mv] = renderStatement('CREATE MATERIALIZED VIEW IF NOT EXISTS m {{on_cluster}} TO t AS SELECT 1', {
      cluster: 'c',
      sharded: true,
    });
    expect(mv?.sql).toBe('CREATE MATERIALIZED VIEW IF NOT EXISTS m ON CLUSTER `c` TO t AS SELECT 1');
  });

  it('refuses a sharded schema without a cluster, and a shard marker on anything but a table', () => {
    expect(() => renderStatement(ddl, { sharded: true })).toThrow(/cluster/);
    expect(() =>
      renderStatement('CREATE VIEW v AS SELECT 1 {{shard_by x}}', { cluster: 'c', sharded: true }),
    ).toThrow(/not CREATE TABLE/);
  });
});

describe('the shipped migrations', () => {
  it('render for a replicated cluster: every DDL ON CLUSTER, no placeholder or plain MergeTree left', () => {
    for (const { sql } of everyStatement({ cluster: 'prod_cluster' })) {
      expect(sql).toMatch(/ON CLUSTER `prod_cluster`/);
      expect(sql).not.toMatch(/\{\{/);
      expect(sql).not.toMatch(/ENGINE\s*=\s*(Replacing|Summing)?MergeTree/);
    }
  });

  it('render for shards: every table holding section rows is sharded by section, the ledger by key', () => {
    const out = everyStatement({ cluster: 'prod_cluster', sharded: true });
    const distributed = new Map(
      out.flatMap((r) => {
        const m =
          /^CREATE TABLE IF NOT EXISTS (\w+) ON CLUSTER `prod_cluster` AS (\w+)_local\nENGINE = Distributed\('prod_cluster', currentDatabase\(\), \w+_local, (.+)\)$/.exec(
            r.sql,
          );
        return m ? [[m[1] as string, m[3] as string]] : [];
      }),
    );
    const bySection = [
      'statements',
      'video_events',
      'voided_statements',
      'rejected_statements',
      'load_touched_viewers',
      'load_touched_days',
      'load_touched_actor_days',
      'actor_day_state',
      'load_touched_voids',
      'video_viewer_state',
      'video_state',
      'learner_state',
      'section_state',
      'daily_state',
      'voided_in_section',
      'load_statements',
      'statements__relayout',
    ];
    for (const table of bySection) expect(distributed.get(table), table).toBe('sipHash64(section_id)');
    expect(distributed.get('statement_index')).toBe('sipHash64(statement_id)');
    expect(distributed.get('ingested_files')).toBe('sipHash64(key)');
    expect(distributed.get('ingest_file_counts')).toBe('sipHash64(source_key)');
    // Every MergeTree table is either shard-local or was never meant to be sharded (none are left).
    for (const r of out) {
      if (/ENGINE = Replicated\w*MergeTree/.test(r.sql)) expect(r.shardLocal, r.sql.slice(0, 60)).toBe(true);
      expect(r.sql).not.toMatch(/\{\{/);
    }
    // Entry and parse tables stay on every node (s3Cluster loads land anywhere); views read the public names.
    const names = out.map(
      (r) =>
        /^CREATE (?:TABLE|VIEW|MATERIALIZED VIEW|OR REPLACE VIEW)(?: IF NOT EXISTS)? (\w+)/.exec(r.sql)?.[1],
    );
    expect(names).toEqual(
      expect.arrayContaining(['ingest_lines_lenient', 'ingest_parsed', 'video_retention']),
    );
    expect(names).not.toContain('ingest_parsed_local');
    const views = out.filter((r) => /^CREATE (OR REPLACE )?VIEW/.test(r.sql));
    for (const v of views) expect(v.sql).toMatch(/SETTINGS distributed_product_mode = 'local'$/);
  });

  it('two shards: DDL on every node, the database named literally, views joining only tables sharded alike', () => {
    const out = everyStatement({ cluster: 'two_shards', sharded: true, database: 'xapi_analytics' });
    const shardOf = new Map<string, string>();
    let matched = 0;
    for (const r of out) {
      const m =
        /^CREATE TABLE IF NOT EXISTS (\w+) ON CLUSTER `two_shards` AS `xapi_analytics`\.(\w+)_local\nENGINE = Distributed\('two_shards', 'xapi_analytics', \2_local, (.+)\)$/.exec(
          r.sql,
        );
      if (m) {
        shardOf.set(m[1] as string, m[3] as string);
        matched += 1;
      }
    }
    expect(shardOf.size).toBeGreaterThan(20);
    // Every Distributed table was written that way (no currentDatabase(), no unqualified AS).
    const distributed = out.filter((r) => /ENGINE = Distributed/.test(r.sql));
    expect(distributed.length).toBe(matched);
    // Every DDL statement reaches every node.
    for (const r of out)
      if (/^(CREATE|ALTER|DROP|EXCHANGE)/.test(r.sql))
        expect(r.sql, r.sql.slice(0, 70)).toMatch(/ON CLUSTER `two_shards`/);
    // A view reads shard-local: every sharded table it names is sharded by section, like every other.
    for (const v of out.filter((r) => /^CREATE (OR REPLACE )?VIEW/.test(r.sql))) {
      expect(v.sql).toMatch(/SETTINGS distributed_product_mode = 'local'$/);
      const named = [...shardOf.keys()].filter((t) =>
        new RegExp(`\\b${t}\\b`).test(v.sql.replace(/^CREATE[^\n]*\n?/, '')),
      );
      for (const t of named)
        expect(`${t}: ${shardOf.get(t)}`, v.sql.slice(0, 60)).toBe(`${t}: sipHash64(section_id)`);
    }
    // The claim query joins the claims with the ledger: both sharded by key, so shard-local too.
    expect(shardOf.get('file_claims')).toBe(shardOf.get('ingested_files'));
  });

  it('ClickHouse Cloud: DDL as written (the service replicates it), engines become SharedMergeTree by themselves', () => {
    const out = everyStatement({ cluster: 'default', cloud: true });
    for (const r of out) {
      expect(r.sql).not.toMatch(/ON CLUSTER/);
      expect(r.sql).not.toMatch(/ENGINE = Replicated/);
      expect(r.sql).not.toMatch(/ENGINE = Distributed/);
    }
  });
});
