import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Session } from 'chdb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/runtime.js';
import type { SchemaTarget } from '../../src/schema/render.js';
import { migrate } from '../../src/upgrade/migrate.js';
import {
  type Dataset,
  loadKeys,
  putDataset,
  snapshot,
  VIEWS,
  withBatches,
} from '../helpers/analytics-views.js';
import { type Harness, startHarness } from '../helpers/harness.js';

/**
 * The sharded layout (CLICKHOUSE_SHARDED) run for real on the embedded engine: a cluster of one shard on
 * this node (chDB has no network server, but a shard whose address is the node itself runs locally, so
 * Distributed tables, routing by section, FINAL and GLOBAL subqueries through them all execute). ON CLUSTER
 * and Replicated engines need Keeper and are left out here (test/unit/render.test.ts checks their SQL).
 * The same files loaded into a one-node schema and into the sharded one must give the same analytics.
 */
const CLUSTER = 'xapi_one_shard';

describe('sharded schema on a one-shard cluster', () => {
  let h: Harness;
  let data: Dataset;
  let session: Session;
  const target: SchemaTarget = { cluster: CLUSTER, sharded: true, replicated: false, onCluster: false };

  beforeAll(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-sharded-'));
    const config = path.join(dir, 'cluster.xml');
    // The shard's address is this node's own (tcp_port 9000 only tells ClickHouse which address is local).
    fs.writeFileSync(
      config,
      `<clickhouse><tcp_port>9000</tcp_port><remote_servers><${CLUSTER}><shard><replica><host>localhost</host>` +
        `<port>9000</port></replica></shard></${CLUSTER}></remote_servers></clickhouse>`,
    );
    // The engine starts with the cluster; the harness's client then joins that engine (one per process).
    session = new Session(path.join(dir, 'data'), { connectionArgs: [`--config-file=${config}`] });
    h = await startHarness({ migrate: false, env: { XAPI_ETL_DATA_DIR: path.join(dir, 'data') } });
    // What createEngine sets for a sharded server: inserts through Distributed tables reach the shard at once.
    await h.rt.engine.client.command({ query: 'SET distributed_foreground_insert = 1' });
    data = await putDataset(h);
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    session?.cleanup?.();
  });

  const useDatabase = async (name: string, schema: SchemaTarget): Promise<Runtime> => {
    await h.rt.engine.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${name}` });
    await h.rt.engine.client.command({ query: `USE ${name}` });
    await migrate(h.rt.engine.client, { target: schema });
    return { ...h.rt, engine: { ...h.rt.engine, schema } };
  };

  it('puts section tables behind Distributed tables and gives the same analytics as one node', async () => {
    const single = await useDatabase('single_node', {});
    await loadKeys(withBatches(single, 10), h, data.keys);
    const expected = await snapshot(h);

    const sharded = await useDatabase('sharded', target);
    const engines = await h.query<{ name: string; engine: string }>(
      "SELECT name, engine FROM system.tables WHERE database = 'sharded' AND name IN ('statements', 'statements_local', 'video_state', 'ingest_parsed')",
    );
    expect(Object.fromEntries(engines.map((t) => [t.name, t.engine]))).toEqual({
      statements: 'Distributed',
      statements_local: 'ReplacingMergeTree',
      video_state: 'Distributed',
      ingest_parsed: 'Null',
    });
    // In other batches than the one-node load, with re-deliveries and forced reloads: the same numbers.
    await loadKeys(withBatches(sharded, 7), h, data.keys);
    await loadKeys(sharded, h, data.redeliveries);
    await loadKeys(sharded, h, data.keys.slice(0, 4), { force: true });
    const actual = await snapshot(h);
    for (const v of VIEWS) expect(actual[v.name], v.name).toEqual(expected[v.name]);
    // The rows are in the shard's local tables, read through the Distributed ones.
    const [local] = await h.query<{ n: string }>('SELECT count() AS n FROM sharded.statements_local FINAL');
    const [all] = await h.query<{ n: string }>('SELECT count() AS n FROM sharded.statements FINAL');
    expect(Number(local?.n)).toBeGreaterThan(2000);
    expect(local?.n).toBe(all?.n);
  }, 300_000);
});
