import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { readSchemaState } from '../../src/schema/schema-state.js';
import { migrate } from '../../src/upgrade/migrate.js';
import { type Dataset, loadKeys, putDataset, snapshot } from '../helpers/analytics-views.js';
import { makeBundle } from '../helpers/bundles.js';
import { type EngineHttpFront, startEngineHttpFront } from '../helpers/engine-http-front.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { nextVersion, RULE_CHANGE } from '../helpers/next-version.js';
import { invokePrevious } from '../helpers/previous-version.js';

/**
 * An upgrade from the version users run (issue #19): xapi-etl v0.1.0 itself — its released Lambda package,
 * test/fixtures/v0.1.0 — makes a database and loads files into it; this version migrates it in place. As a deploy
 * does it (deploy.sh: migrate, then the code): v0.1.0 keeps loading between the two (its voids across sections
 * are resolved by the second `migrate` deploy.sh runs after the code); then this version loads, reloads and
 * re-delivers. Every view then equals a database this version made from the start with the same files.
 */
describe('upgrade in place from v0.1.0', () => {
  let h: Harness;
  let data: Dataset;
  let front: EngineHttpFront;
  const runtimes: Runtime[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-v010-'));

  const s3Env = () => ({
    AWS_ENDPOINT_URL_S3: h.s3.endpoint,
    S3_XAPI_BUCKET_NAME: h.bucket,
  });
  const serverEnv = (database: string) => ({
    CLICKHOUSE_HOST: front.url,
    CLICKHOUSE_USERNAME: front.user,
    CLICKHOUSE_PASSWORD: front.password,
    CLICKHOUSE_DATABASE: database,
    ...s3Env(),
  });
  const serverRuntime = async (database: string) => {
    const rt = await createRuntime(loadConfig({ ...process.env, ...serverEnv(database) }));
    runtimes.push(rt);
    return rt;
  };
  const on = (rt: Runtime) =>
    ({
      ...h,
      rt,
      query: async (sql: string, params?: Record<string, unknown>) =>
        (await rt.engine.client.query({ query: sql, query_params: params, format: 'JSONEachRow' })).json(),
    }) as Harness;
  const events = (keys: string[]) => keys.map((key) => ({ bucket: h.bucket, key }));

  beforeAll(async () => {
    h = await startHarness();
    data = await putDataset(h);
  }, 120_000);
  afterAll(async () => {
    for (const rt of runtimes) await rt.close();
    await front?.stop();
    await h?.close();
  });

  it('v0.1.0 makes the database and loads; this version migrates it in place while v0.1.0 keeps loading', async () => {
    const window = data.keys.slice(-5); // the late voids, and the file of voids across sections
    const before = data.keys.slice(0, -5);
    const first = await invokePrevious(events(before), { XAPI_ETL_DATA_DIR: dataDir, ...s3Env() });
    expect(first.filter((r) => r.success !== true)).toEqual([]);

    front = await startEngineHttpFront({ dataDir });
    const upgraded = await serverRuntime('xapi_analytics');
    const [v010] = await on(upgraded).query<{ version: string }>(
      'SELECT max(version) AS version FROM schema_migrations FINAL',
    );
    expect(Number(v010?.version)).toBe(2);
    const counts = async () =>
      (
        await on(upgraded).query<{ statements: string; rejected: string }>(
          `SELECT (SELECT count() FROM statements FINAL) AS statements,
                  (SELECT count() FROM rejected_statements FINAL) AS rejected`,
        )
      )[0];
    const held = await counts();

    const result = await migrate(upgraded.engine.client, { target: upgraded.engine.schema });
    expect(result.applied.map((m) => m.version)).toEqual([3, 4]);
    expect(result.rebuild).toMatchObject({ status: 'done' });
    expect(await counts()).toEqual(held);
    const [layout] = await on(upgraded).query<{ partition_key: string }>(
      "SELECT partition_key FROM system.tables WHERE database = currentDatabase() AND name = 'statements'",
    );
    expect(layout?.partition_key).toBe('toYYYYMM(statement_date)');
    const leftovers = await on(upgraded).query<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = currentDatabase() AND (name LIKE '%\\_\\_relayout%' OR name LIKE '%\\_\\_rebuild%')",
    );
    expect(leftovers).toEqual([]);

    // Between migrate and the code update v0.1.0 still runs: it loads on the new schema (over HTTP, as the Lambda).
    const during = await invokePrevious(events(window), serverEnv('xapi_analytics'));
    expect(during.filter((r) => r.success !== true)).toEqual([]);
    // deploy.sh's second migrate, after the code: the loads v0.1.0 made meanwhile are caught up.
    const again = await migrate(upgraded.engine.client, { target: upgraded.engine.schema });
    expect(again.applied).toEqual([]);
    expect(again.caughtUpLoads).toBeGreaterThanOrEqual(window.length);
    expect((await readSchemaState(upgraded.engine.client)).status).toBe('current');

    // This version loads next: re-deliveries, forced reloads, and files v0.1.0 loaded are skipped.
    await loadKeys(upgraded, on(upgraded), data.redeliveries);
    await loadKeys(upgraded, on(upgraded), data.keys.slice(0, 4), { force: true });
    await loadKeys(upgraded, on(upgraded), data.keys);

    const fresh = await serverRuntime('fresh_v020');
    await migrate(fresh.engine.client, { target: fresh.engine.schema });
    await loadKeys(fresh, on(fresh), data.keys);
    await loadKeys(fresh, on(fresh), data.redeliveries);
    const upgradedViews = await snapshot(on(upgraded));
    expect(upgradedViews).toEqual(await snapshot(on(fresh)));
    expect(upgradedViews.video_viewers?.length).toBeGreaterThan(50);
    // The voids v0.1.0 loaded across sections took effect after the catch-up (v0.1.0 itself ignored them).
    const [voided] = await on(upgraded).query<{ n: string }>(
      "SELECT count() AS n FROM voided_in_section WHERE section_id != 'ops'",
    );
    expect(Number(voided?.n)).toBeGreaterThan(0);

    // And the next version's rule change ships through the same path onto the upgraded database.
    const next = nextVersion('blank_line_detail', RULE_CHANGE);
    const shipped = await migrate(upgraded.engine.client, { target: upgraded.engine.schema, set: next });
    expect(shipped).toMatchObject({
      applied: [{ version: (next.versioned.at(-1) as { version: number }).version }],
      derived: ['10_parse_views.sql'],
    });
    const key = 'section/rule/quiz/2025-01-01T00-00-00.000Z_bundle.jsonl';
    await h.s3.put(h.bucket, key, '\n');
    await loadKeys(upgraded, on(upgraded), [key]);
    const [blank] = await on(upgraded).query<{ detail: string }>(
      'SELECT detail FROM rejected_statements FINAL WHERE source_key = {key:String}',
      { key },
    );
    expect(blank?.detail).toBe('the line is blank (nothing to load)');
  });
});

/**
 * A migration stopped half-way (the connection lost while it moves the raw rows): loads stay paused, and refused
 * with an error every version retries (v0.1.0 included); `health` says why; the next `migrate` carries on from
 * the bucket it had reached and the move adds up.
 */
describe('an upgrade interrupted in the middle of the move', () => {
  let h: Harness;
  let front: EngineHttpFront;
  let proxy: FaultProxy;
  const runtimes: Runtime[] = [];
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-v010-cut-'));

  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    for (const rt of runtimes) await rt.close();
    await proxy?.close();
    await front?.stop();
    await h?.close();
  });

  it('pauses loads until a second migrate finishes the move', async () => {
    const data = await putDataset(h);
    const s3Env = { AWS_ENDPOINT_URL_S3: h.s3.endpoint, S3_XAPI_BUCKET_NAME: h.bucket };
    const loaded = await invokePrevious(
      data.keys.map((key) => ({ bucket: h.bucket, key })),
      { XAPI_ETL_DATA_DIR: dataDir, ...s3Env },
    );
    expect(loaded.filter((r) => r.success !== true)).toEqual([]);
    front = await startEngineHttpFront({ dataDir });
    proxy = await startFaultProxy(front.url);
    const env = {
      CLICKHOUSE_HOST: proxy.endpoint,
      CLICKHOUSE_USERNAME: front.user,
      CLICKHOUSE_PASSWORD: front.password,
      ...s3Env,
    };
    const rt = await createRuntime(loadConfig({ ...process.env, ...env }));
    runtimes.push(rt);
    const counts = async () =>
      (
        await (
          await rt.engine.client.query({
            query: `SELECT (SELECT uniqExact(section_id, statement_id) FROM statements) AS statements,
                           (SELECT count() FROM rejected_statements FINAL) AS rejected`,
            format: 'JSONEachRow',
          })
        ).json()
      )[0];
    const held = await counts();

    // The 6th re-parse of a bucket never arrives: the connection is cut.
    proxy.setRules([
      {
        match: (r) => r.body.includes("'reparse', 'lenient'") && r.body.includes('statements__relayout'),
        action: { kind: 'status', status: 502 },
        after: 5,
        times: 1,
      },
    ]);
    await expect(migrate(rt.engine.client, { target: rt.engine.schema })).rejects.toThrow();
    proxy.setRules([]);
    const state = await readSchemaState(rt.engine.client);
    expect(state.status).toBe('migrating');

    // v0.1.0, still deployed, is refused with an error it retries (it throws: Lambda retries the event).
    const key = 'section/late/video/2025-02-01T00-00-00.000Z_bundle.jsonl';
    await h.s3.put(h.bucket, key, makeBundle(3));
    const [refused] = await invokePrevious([{ bucket: h.bucket, key }], env);
    expect(String(refused?.thrown)).toMatch(/TABLE_IS_READ_ONLY|xapi-etl migrate is moving the raw tables/);

    const finished = await migrate(rt.engine.client, { target: rt.engine.schema });
    expect(finished.applied.map((m) => m.version)).toEqual([3, 4]);
    expect(await counts()).toEqual(held);
    expect((await readSchemaState(rt.engine.client)).status).toBe('current');
    // Loads run again, v0.1.0's retry included.
    const [retried] = await invokePrevious([{ bucket: h.bucket, key }], env);
    expect(retried).toMatchObject({ success: true, files_processed: 1, events_processed: 3 });
  });
});
