import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { createHandler, type HandlerResult } from '../../src/lambda/create-handler.js';
import { localContext } from '../../src/lambda/local-context.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { type LocalS3, startLocalS3 } from '../../src/tools/local-s3/local-s3.js';
import { migrate } from '../../src/upgrade/migrate.js';
import { makeBundle } from '../helpers/bundles.js';
import { type CapturedOutput, captureOutput } from '../helpers/capture-output.js';
import { type EngineHttpFront, startEngineHttpFront } from '../helpers/engine-http-front.js';

/**
 * The settings each kind of server gets (issue #20), read off the requests themselves: ClickHouse Cloud (every
 * query reads with sequential consistency; no ON CLUSTER), a replicated cluster (quorum inserts too), a server
 * pinned to one replica (neither), and on every engine: no async inserts, claims deduplicated by their token.
 */
interface Request {
  uri: string;
  settings: Record<string, string>;
}

describe('settings per engine, as sent', () => {
  let front: EngineHttpFront;
  let s3: LocalS3;
  let out: CapturedOutput;
  const runtimes: Runtime[] = [];
  const capture = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-settings-')), 'requests.jsonl');

  beforeAll(async () => {
    [front, s3] = await Promise.all([startEngineHttpFront({ capture }), startLocalS3()]);
    await s3.createBucket('xapi');
    out = captureOutput();
  });
  afterAll(async () => {
    out?.restore();
    for (const rt of runtimes) await rt.close();
    await s3?.close();
    await front?.stop();
  });

  const runtime = async (env: Record<string, string>) => {
    const rt = await createRuntime(
      loadConfig({
        ...process.env,
        CLICKHOUSE_HOST: front.url,
        CLICKHOUSE_USERNAME: front.user,
        CLICKHOUSE_PASSWORD: front.password,
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        S3_XAPI_BUCKET_NAME: 'xapi',
        ...env,
      }),
    );
    runtimes.push(rt);
    return rt;
  };
  const requests = (): Request[] =>
    fs
      .readFileSync(capture, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { uri: string })
      .filter((r) => !r.uri.startsWith('/ping'))
      .map((r) => ({ uri: r.uri, settings: Object.fromEntries(new URL(r.uri, 'http://x').searchParams) }))
      // The connection check (a ping with a SELECT) carries no settings of ours.
      .filter((r) => r.settings.query !== "SELECT 'ping'");

  it('ClickHouse Cloud: every query reads with sequential consistency, DDL without ON CLUSTER; a load works', async () => {
    fs.writeFileSync(capture, '');
    // Cloud's cluster (`default`, for s3Cluster() and the replicas' processes) does not exist here: the DDL it
    // renders is checked in test/unit/render.test.ts; here migrate and a load run as Cloud without it.
    const rt = await runtime({ CLICKHOUSE_DATABASE: 'cloud', CLICKHOUSE_CLOUD: 'true' });
    expect(rt.engine.schema).toMatchObject({ cloud: true });
    await migrate(rt.engine.client, { target: rt.engine.schema });
    const key = 'section/c1/video/2024-05-01T00-00-00.000Z_bundle.jsonl';
    await s3.put('xapi', key, makeBundle(3));
    const result = (await createHandler({ runtime: async () => rt })(
      { bucket: 'xapi', key },
      localContext(),
    )) as HandlerResult;
    expect(result).toMatchObject({ success: true, events_processed: 3 });
    const sent = requests();
    expect(sent.length).toBeGreaterThan(30);
    for (const r of sent) {
      expect(r.settings.select_sequential_consistency, r.uri.slice(0, 80)).toBe('1');
      expect(r.settings.async_insert).toBe('0');
      expect(r.settings.insert_quorum).toBeUndefined();
    }
    // Claims: deduplicated by their token, never through the async buffer.
    const claims = sent.filter((r) => /INSERT INTO file_claims/i.test(r.settings.query ?? ''));
    expect(claims.length).toBeGreaterThan(0);
    for (const c of claims) {
      expect(c.settings).toMatchObject({ insert_deduplicate: '1', async_insert: '0' });
      expect(c.settings.insert_deduplication_token).toMatch(/^[0-9a-f]{64}$/);
    }
  });

  it('a replicated cluster: quorum inserts (sequentially) and sequential reads; pinned to one replica: neither', async () => {
    fs.writeFileSync(capture, '');
    const replicated = await runtime({ CLICKHOUSE_DATABASE: 'replicated', CLICKHOUSE_CLUSTER: 'prod' });
    await replicated.engine.client.query({ query: 'SELECT 1', format: 'JSONEachRow' });
    const [first] = requests();
    expect(first?.settings).toMatchObject({
      select_sequential_consistency: '1',
      insert_quorum: 'auto',
      insert_quorum_parallel: '0',
      async_insert: '0',
    });
    fs.writeFileSync(capture, '');
    const pinned = await runtime({
      CLICKHOUSE_DATABASE: 'pinned',
      CLICKHOUSE_CLUSTER: 'prod',
      CLICKHOUSE_CONSISTENCY: 'pinned',
    });
    await pinned.engine.client.query({ query: 'SELECT 1', format: 'JSONEachRow' });
    const [one] = requests();
    expect(one?.settings.select_sequential_consistency).toBeUndefined();
    expect(one?.settings.insert_quorum).toBeUndefined();
    expect(one?.settings.async_insert).toBe('0');
  });

  it('one server: no consistency settings at all', async () => {
    fs.writeFileSync(capture, '');
    const single = await runtime({ CLICKHOUSE_DATABASE: 'single' });
    await single.engine.client.query({ query: 'SELECT 1', format: 'JSONEachRow' });
    const [one] = requests();
    expect(one?.settings.select_sequential_consistency).toBeUndefined();
    expect(one?.settings.insert_quorum).toBeUndefined();
  });
});
