import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { createHandler, type HandlerResult } from '../../src/lambda/create-handler.js';
import { localContext } from '../../src/lambda/local-context.js';
import { ingest } from '../../src/load/ingest.js';
import { headObject } from '../../src/plan/s3-objects.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { type LocalS3, startLocalS3 } from '../../src/tools/local-s3/local-s3.js';
import { migrate } from '../../src/upgrade/migrate.js';
import { makeBundle } from '../helpers/bundles.js';
import { type CapturedOutput, captureOutput } from '../helpers/capture-output.js';
import { runCli } from '../helpers/cli.js';
import { type EngineHttpFront, startEngineHttpFront } from '../helpers/engine-http-front.js';

/**
 * The server path (CLICKHOUSE_HOST) against the real engine: chDB behind a ClickHouse HTTP interface
 * that wants a password (test/helpers/engine-http-front-server.ts). What runs is our code that sends
 * the credentials, checks the connection, says when the schema is missing, and passes settings and
 * query parameters over HTTP; nothing of it is mocked.
 */
describe('server path: CLICKHOUSE_HOST with a password, over HTTP, against the real engine', () => {
  let front: EngineHttpFront;
  let s3: LocalS3;
  let env: Record<string, string>;
  let out: CapturedOutput;
  const runtimes: Runtime[] = [];

  beforeAll(async () => {
    [front, s3] = await Promise.all([startEngineHttpFront(), startLocalS3()]);
    await s3.createBucket('xapi');
    env = {
      CLICKHOUSE_HOST: front.url,
      CLICKHOUSE_USERNAME: front.user,
      CLICKHOUSE_PASSWORD: front.password,
      CLICKHOUSE_DATABASE: 'server_path',
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      S3_XAPI_BUCKET_NAME: 'xapi',
    };
    out = captureOutput();
  });
  afterAll(async () => {
    out?.restore();
    for (const rt of runtimes) await rt.close();
    await s3?.close();
    await front?.stop();
  });

  async function runtime(extra: Record<string, string> = {}): Promise<Runtime> {
    const rt = await createRuntime(loadConfig({ ...process.env, ...env, ...extra }));
    runtimes.push(rt);
    return rt;
  }

  it('a wrong password is refused when connecting, by name, without the password', async () => {
    const error = (await runtime({ CLICKHOUSE_PASSWORD: 'not-the-password-77' }).catch((e) => e)) as Error;
    expect(error).toBeInstanceOf(Error);
    expect(error.message).toContain(
      `refused the credentials of user "${front.user}" (AUTHENTICATION_FAILED)`,
    );
    expect(error.message).toContain('CLICKHOUSE_PASSWORD');
    expect(error.message).not.toContain('not-the-password-77');
    // And with the right one the same code connects.
    const rt = await runtime();
    expect(rt.engine.kind).toBe('server');
  });

  it('a database that was never migrated: the load says "run `xapi-etl migrate`", not an SQL error', async () => {
    const rt = await runtime({ CLICKHOUSE_DATABASE: 'never_migrated' });
    const key = 'section/7/video/2024-01-01T00-00-00.000Z_bundle.jsonl';
    await s3.put('xapi', key, makeBundle(2));
    // Answered, not thrown: a retry would meet the same schema (no retry storm, docs/lambda.md, "Errors: retry or not").
    const result = (await createHandler({ runtime: async () => rt })(
      { bucket: 'xapi', key },
      localContext(),
    )) as HandlerResult & { error?: { code: string; message: string; retryable: boolean } };
    expect(result).toMatchObject({ success: false, events_processed: 0 });
    expect(result.error).toMatchObject({ code: 'SCHEMA_BEHIND', retryable: false });
    expect(result.error?.message).toContain(
      'database never_migrated has no xapi-etl schema yet: run `xapi-etl migrate`',
    );
    expect(result.error?.message.length).toBeLessThan(300);

    const cli = await runCli(['process', `s3://xapi/${key}`], {
      env: { ...env, CLICKHOUSE_DATABASE: 'never_migrated' },
    });
    expect(cli.status).toBe(1);
    expect(cli.stderr.trim()).toBe(
      'xapi-etl: SCHEMA_BEHIND: database never_migrated has no xapi-etl schema yet: run `xapi-etl migrate`',
    );
  });

  it('`xapi-etl migrate` over HTTP, then loads whose settings travel over HTTP (a deleted object is superseded, not a failed batch)', async () => {
    const migrate = await runCli(['migrate', '--json'], { env });
    expect(migrate.status).toBe(0);
    expect(JSON.parse(migrate.stdout)).toMatchObject({ database: 'server_path', already_applied: 0 });

    const rt = await runtime();
    const gone = 'section/8/video/2024-01-01T00-00-00.000Z_bundle.jsonl';
    const stays = 'section/8/video/2024-01-01T01-00-00.000Z_bundle.jsonl';
    await s3.put('xapi', gone, makeBundle(3));
    await s3.put('xapi', stays, makeBundle(3, { broken: 1 }));
    const planned = [await headObject(rt.s3, 'xapi', gone), await headObject(rt.s3, 'xapi', stays)];
    await s3.client.send(new DeleteObjectCommand({ Bucket: 'xapi', Key: gone }));
    // Without s3_ignore_file_doesnt_exist reaching the engine, the whole batch fails on the 404.
    const r = await ingest(rt, planned, { mode: 'event' });
    expect(r.files.map((f) => [f.key, f.outcome, f.lines])).toEqual([
      [gone, 'superseded', 0],
      [stays, 'loaded', 4],
    ]);

    const key = 'section/8/video/2024-01-02T00-00-00.000Z_bundle.jsonl';
    await s3.put('xapi', key, makeBundle(4, { broken: 2, video: true }));
    const handler = createHandler({ runtime: async () => rt });
    const result = await handler({ bucket: 'xapi', key }, localContext());
    expect(result).toMatchObject({
      success: true,
      files_processed: 1,
      events_processed: 4,
      events_rejected: 2,
      rejected_by_reason: { invalid_json: 2 },
    });
    const health = await handler({ health_check: true }, localContext());
    expect(health).toMatchObject({ success: true, checks: { clickhouse: { ok: true, kind: 'server' } } });
    expect(out.text()).not.toContain(front.password);
  });

  it('three deliveries of one notification at once, over HTTP: one load (per-file deduplicated claims)', async () => {
    const rt = await runtime();
    const key = 'section/8/video/2024-01-03T00-00-00.000Z_bundle.jsonl';
    await s3.put('xapi', key, makeBundle(5, { video: true }));
    const handler = createHandler({ runtime: async () => rt });
    const results = await Promise.all(
      ['d1', 'd2', 'd3'].map((id) => handler({ bucket: 'xapi', key }, localContext({ requestId: id }))),
    );
    const loaded = results.filter((r) => (r as { files_processed: number }).files_processed === 1);
    expect(loaded).toHaveLength(1);
    expect(results.reduce((n, r) => n + (r as { events_processed: number }).events_processed, 0)).toBe(5);
    const rs = await rt.engine.client.query({
      query: `SELECT (SELECT count() FROM statements WHERE source_key = {key:String}) AS rows,
                     (SELECT count() FROM file_claims WHERE key = {key:String}) AS claims`,
      query_params: { key },
      format: 'JSONEachRow',
    });
    const [counts] = await rs.json<{ rows: string | number; claims: string | number }>();
    expect([Number(counts?.rows), Number(counts?.claims)]).toEqual([5, 1]);
  });

  it('no secret in any request line or header but Authorization: the S3 credentials travel in the body', async () => {
    // Every request the server path sends, as the front received it (method, URI, headers).
    const capture = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-capture-')), 'requests.jsonl');
    const token = 'session-token-5b0e2c19-must-not-leak';
    const watched = await startEngineHttpFront({ capture });
    process.env.AWS_SESSION_TOKEN = token;
    try {
      const rt = await runtime({
        CLICKHOUSE_HOST: watched.url,
        CLICKHOUSE_USERNAME: watched.user,
        CLICKHOUSE_PASSWORD: watched.password,
        CLICKHOUSE_DATABASE: 'captured',
      });
      await migrate(rt.engine.client);
      const keys = [1, 2, 3].map((d) => `section/9/video/2024-01-0${d}T00-00-00.000Z_bundle.jsonl`);
      for (const key of keys) await s3.put('xapi', key, makeBundle(2));
      const result = (await createHandler({ runtime: async () => rt })(
        { mode: 'bulk', section_id: '9', start_date: '2024-01-01', end_date: '2024-01-03' },
        localContext(),
      )) as HandlerResult;
      expect(result).toMatchObject({ success: true, files_processed: 3 });
      const requests = fs
        .readFileSync(capture, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { uri: string; headers: Record<string, string> });
      expect(requests.length).toBeGreaterThan(10);
      // The s3() credentials (s3rver's access key and secret are both "S3RVER"), the session token, the password.
      const secrets = ['S3RVER', token, watched.password];
      const leaks = requests.flatMap((r) => {
        const { authorization: _auth, ...headers } = r.headers;
        const text = `${decodeURIComponent(r.uri)} ${JSON.stringify(headers)}`;
        return secrets
          .filter((secret) => text.includes(secret))
          .map((secret) => `${secret} in ${r.uri.slice(0, 80)}`);
      });
      expect(leaks).toEqual([]);
      // …and they did travel, in the body of the load.
      expect(requests.some((r) => /multipart\/form-data/.test(r.headers['content-type'] ?? ''))).toBe(true);
    } finally {
      delete process.env.AWS_SESSION_TOKEN;
      await watched.stop();
    }
  });
});
