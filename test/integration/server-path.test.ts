import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { createHandler, type HandlerResult } from '../../src/lambda/create-handler.js';
import { localContext } from '../../src/lambda/local-context.js';
import { ingest } from '../../src/load/ingest.js';
import { type LocalS3, startLocalS3 } from '../../src/local-s3/local-s3.js';
import { headObject } from '../../src/plan/s3-objects.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
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
    // Answered, not thrown: a retry would meet the same schema (no retry storm, README "Errors: retry or not").
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

  it('a gateway error echoing the request URL: the S3 secret and session token sent as query parameters are masked everywhere', async () => {
    // Query parameters travel in the URL, the S3 credentials of s3() included. A proxy or load balancer
    // in front of ClickHouse that echoes the request line in its error page puts them in our error
    // message: the ledger, the logs and the thrown error must still not hold them.
    const token = 'session-token-5b0e2c19-must-not-leak';
    const gateway = http.createServer((req, res) => {
      if (req.url?.includes('param_s3_secret')) {
        req.resume();
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`502 Bad Gateway: upstream closed the connection for POST ${req.url}`);
        return;
      }
      const upstream = http.request(
        `${front.url}${req.url}`,
        { method: req.method, headers: req.headers },
        (up) => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          up.pipe(res);
        },
      );
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    process.env.AWS_SESSION_TOKEN = token;
    try {
      // A database of its own, migrated through the front directly (the gateway lets that through).
      await migrate((await runtime({ CLICKHOUSE_DATABASE: 'behind_gateway' })).engine.client);
      const rt = await runtime({
        CLICKHOUSE_HOST: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`,
        CLICKHOUSE_DATABASE: 'behind_gateway',
      });
      const key = 'section/9/video/2024-01-01T00-00-00.000Z_bundle.jsonl';
      await s3.put('xapi', key, makeBundle(2));
      out.clear();
      const error = (await createHandler({ runtime: async () => rt })(
        { bucket: 'xapi', key },
        localContext(),
      ).catch((e) => e)) as Error;
      expect(error.name).toBe('LOAD_FAILED');
      expect(error.message).toContain('502 Bad Gateway');
      expect(error.message).toContain('param_s3_secret=[REDACTED]');
      const rs = await rt.engine.client.query({
        query: 'SELECT error FROM ingested_files FINAL WHERE key = {key:String}',
        query_params: { key },
        format: 'JSONEachRow',
      });
      const [ledger] = await rs.json<{ error: string }>();
      expect(ledger?.error).toContain('502 Bad Gateway');
      for (const text of [error.message, String(error.stack), ledger?.error ?? '', out.text()]) {
        expect(text).not.toContain(token);
        expect(text).not.toMatch(/param_s3_secret=S3RVER/);
      }
    } finally {
      delete process.env.AWS_SESSION_TOKEN;
      gateway.close();
    }
  });
});
