import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { createHandler, type HandlerResult } from '../../src/lambda/create-handler.js';
import { localContext } from '../../src/lambda/local-context.js';
import { ingest } from '../../src/load/ingest.js';
import { headObject } from '../../src/plan/s3-objects.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { accountFor, linesOf, loadedRowsPerKey } from '../helpers/accounting.js';
import { makeBundle } from '../helpers/bundles.js';
import { type CapturedOutput, captureOutput } from '../helpers/capture-output.js';
import { closedPort } from '../helpers/closed-port.js';
import { type FaultProxy, objectRead, startFaultProxy } from '../helpers/fault-proxy.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { runtimeVia } from '../helpers/runtime-via.js';

/**
 * Faults on either side of a load — S3 down, slow, failing or cutting a read; objects deleted or
 * rewritten under the loader; ClickHouse failing a batch or unreachable; the Lambda's time running
 * out — each with its outcome, and every line of every file loaded exactly once or rejected with a
 * reason (read back from ClickHouse with FINAL, not taken from what the loader reported).
 */
describe('faults (chDB + s3rver behind a fault-injecting proxy)', () => {
  let h: Harness;
  let proxy: FaultProxy;
  let viaProxy: Runtime;
  let out: CapturedOutput;
  const bodies = new Map<string, string>();

  beforeAll(async () => {
    // Two files per batch, so that a bulk run has several batches (one of which can fail).
    h = await startHarness({ env: { XAPI_BATCH_MAX_FILES: '2' } });
    proxy = await startFaultProxy(h.s3.endpoint);
    viaProxy = runtimeVia(h.rt, proxy.endpoint);
    out = captureOutput();
  });
  afterAll(async () => {
    out?.restore();
    await viaProxy?.close();
    await proxy?.close();
    await h?.close();
  });

  async function put(key: string, body: string): Promise<string> {
    bodies.set(key, body);
    return h.s3.put(h.bucket, key, body);
  }

  /** Every line of the file's current version is a statement or a rejection, and the ledger agrees. */
  async function expectAccounted(key: string, etag?: string) {
    const body = bodies.get(key) as string;
    const a = await accountFor(h, key, etag);
    expect(a.statements + a.rejected).toBe(linesOf(body));
    expect(a.ledger).toMatchObject({ status: 'loaded', lines: linesOf(body), statements: a.statements });
    return a;
  }

  const handlerOn = (
    rt: () => Promise<Runtime>,
    extra: Parameters<typeof createHandler>[0] = { runtime: rt },
  ) => createHandler({ ...extra, runtime: rt });

  it('S3 down at the start: the event throws a retryable error; the retry, S3 back, loads the file once', async () => {
    const key = 'section/f1/video/2024-01-01T00-00-00.000Z_bundle.jsonl';
    await put(key, makeBundle(4, { broken: 1 }));
    const down = runtimeVia(h.rt, `http://127.0.0.1:${await closedPort()}`);
    const error = await handlerOn(async () => down)({ bucket: h.bucket, key }, localContext()).catch(
      (e: Error) => e,
    );
    await down.close();
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^LOAD_FAILED: .*Could not read s3:\/\/xapi\/section\/f1\//);
    expect((await accountFor(h, key)).ledger).toBeUndefined();

    const retry = await handlerOn(async () => h.rt)({ bucket: h.bucket, key }, localContext());
    expect(retry).toMatchObject({
      success: true,
      files_processed: 1,
      events_processed: 4,
      events_rejected: 1,
    });
    await expectAccounted(key);
  });

  it('S3 answering 503 once in the middle of a read: ClickHouse retries it and the file loads whole', async () => {
    const key = 'section/f1/video/2024-01-02T00-00-00.000Z_bundle.jsonl';
    await put(key, makeBundle(50));
    proxy.log.length = 0;
    proxy.setRules([{ match: objectRead(key), action: { kind: 'status', status: 503 }, times: 1 }]);
    const r = await handlerOn(async () => viaProxy)({ bucket: h.bucket, key }, localContext());
    proxy.setRules([]);
    expect(proxy.log.filter((l) => l.fault === 'status')).toHaveLength(1);
    expect(r).toMatchObject({ success: true, files_processed: 1, events_processed: 50 });
    await expectAccounted(key);
  });

  it('the connection cut part-way through the body: ClickHouse reads again and loads every line once', async () => {
    const key = 'section/f1/video/2024-01-03T00-00-00.000Z_bundle.jsonl';
    const body = makeBundle(300, { broken: 2 });
    await put(key, body);
    proxy.log.length = 0;
    proxy.setRules([
      { match: objectRead(key), action: { kind: 'cut', bytes: Math.floor(body.length / 2) }, times: 1 },
    ]);
    const r = await handlerOn(async () => viaProxy)({ bucket: h.bucket, key }, localContext());
    proxy.setRules([]);
    expect(proxy.log.filter((l) => l.fault === 'cut')).toHaveLength(1);
    expect(r).toMatchObject({ success: true, events_processed: 300, events_rejected: 2 });
    const a = await expectAccounted(key);
    expect(a.reasons).toEqual(['invalid_json', 'invalid_json']);
  });

  it('S3 answering 503 for good: the batch fails within seconds, is marked failed, the event is retried and then loads once', async () => {
    const key = 'section/f1/video/2024-01-04T00-00-00.000Z_bundle.jsonl';
    await put(key, makeBundle(5));
    proxy.setRules([{ match: objectRead(key), action: { kind: 'status', status: 503 } }]);
    const started = performance.now();
    const error = await handlerOn(async () => viaProxy)({ bucket: h.bucket, key }, localContext()).catch(
      (e: Error) => e,
    );
    const failedAfterMs = Math.round(performance.now() - started);
    console.log(`persistent 503: the load gave up after ${failedAfterMs} ms`);
    proxy.setRules([]);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe('LOAD_FAILED');
    expect(failedAfterMs).toBeLessThan(30_000);
    const failed = await accountFor(h, key);
    expect(failed.ledger?.status).toBe('failed');
    expect(failed.ledger?.error).toContain('injected by the test proxy');
    expect(out.logs().some((l) => l.message === 'invocation failed, will be retried')).toBe(true);

    const retry = await handlerOn(async () => viaProxy)({ bucket: h.bucket, key }, localContext());
    expect(retry).toMatchObject({ success: true, files_processed: 1, events_processed: 5 });
    await expectAccounted(key);
    expect((await loadedRowsPerKey(h, key)).get(key)).toBe(1);
  });

  it('S3 slow (every answer held 1.5 s): the file loads, only later', async () => {
    const key = 'section/f1/video/2024-01-05T00-00-00.000Z_bundle.jsonl';
    await put(key, makeBundle(7, { broken: 1 }));
    proxy.setRules([{ action: { kind: 'delay', ms: 1500 } }]);
    const started = performance.now();
    const r = await handlerOn(async () => viaProxy)({ bucket: h.bucket, key }, localContext());
    const took = performance.now() - started;
    proxy.setRules([]);
    expect(took).toBeGreaterThan(3000); // at least the HEAD and one read were held
    expect(r).toMatchObject({ success: true, events_processed: 7, events_rejected: 1 });
    await expectAccounted(key);
  });

  it('an object deleted between planning and loading: that file is superseded, the rest of its batch loads', async () => {
    const gone = 'section/f2/quiz/2024-01-01T00-00-00.000Z_bundle.jsonl';
    const stays = 'section/f2/quiz/2024-01-01T01-00-00.000Z_bundle.jsonl';
    await put(gone, makeBundle(3));
    await put(stays, makeBundle(3, { broken: 1 }));
    const planned = [await headObject(h.rt.s3, h.bucket, gone), await headObject(h.rt.s3, h.bucket, stays)];
    await h.s3.client.send(new DeleteObjectCommand({ Bucket: h.bucket, Key: gone }));
    const r = await ingest(h.rt, planned, { mode: 'event' });
    expect(r.files.map((f) => [f.key, f.outcome, f.lines])).toEqual([
      [gone, 'superseded', 0],
      [stays, 'loaded', 4],
    ]);
    expect(await accountFor(h, gone)).toMatchObject({
      statements: 0,
      rejected: 0,
      ledger: { status: 'superseded' },
    });
    await expectAccounted(stays);

    // Deleted before its event is handled: failed, not retried (a retry cannot bring it back).
    const result = await handlerOn(async () => h.rt)({ bucket: h.bucket, key: gone }, localContext());
    expect(result).toMatchObject({ success: false, files_failed: 1 });
    expect((result as { files: { error?: string; retryable?: boolean }[] }).files[0]).toMatchObject({
      retryable: false,
    });
  });

  it('an object overwritten after loading: the new ETag loads as a new version, old rows keep the old ETag', async () => {
    const key = 'section/f3/video/2024-01-01T00-00-00.000Z_bundle.jsonl';
    const v1 = await put(key, makeBundle(3));
    const v1Body = bodies.get(key) as string;
    await handlerOn(async () => h.rt)({ bucket: h.bucket, key }, localContext());
    const v2 = await put(key, makeBundle(2, { broken: 1 }));
    expect(v2).not.toBe(v1);
    const r = await handlerOn(async () => h.rt)({ bucket: h.bucket, key }, localContext());
    expect(r).toMatchObject({ success: true, files_processed: 1, events_processed: 2, events_rejected: 1 });
    await expectAccounted(key, v2);
    bodies.set(key, v1Body);
    await expectAccounted(key, v1);
    const versions = await h.query<{ etag: string }>(
      `SELECT etag FROM ingested_files FINAL WHERE key = {key:String} AND status = 'loaded' ORDER BY etag`,
      { key },
    );
    expect(versions.map((v) => v.etag)).toEqual([v1, v2].sort());
  });

  it('an object overwritten between planning and loading: no line of the new version is mixed in; its own event loads it', async () => {
    const key = 'section/f3/video/2024-01-02T00-00-00.000Z_bundle.jsonl';
    await put(key, makeBundle(3));
    const planned = await headObject(h.rt.s3, h.bucket, key);
    const v2 = await put(key, makeBundle(6));
    const r = await ingest(h.rt, [planned], { mode: 'event' });
    expect(r.files[0]).toMatchObject({ outcome: 'superseded', lines: 0 });
    expect(await accountFor(h, key)).toMatchObject({ statements: 0, rejected: 0 });
    const own = await handlerOn(async () => h.rt)({ bucket: h.bucket, key }, localContext());
    expect(own).toMatchObject({ success: true, files_processed: 1, events_processed: 6 });
    await expectAccounted(key, v2);
  });

  it('ClickHouse failing one batch mid-bulk with a transient error: the other batches load, its files are marked failed, the handler throws for a retry, a re-run loads exactly those', async () => {
    const keys = Array.from(
      { length: 6 },
      (_, i) => `section/f4/video/2024-02-0${i + 1}T00-00-00.000Z_bundle.jsonl`,
    );
    for (const [i, key] of keys.entries()) await put(key, makeBundle(3 + i, { broken: i % 2 }));
    const poisoned = keys[2] as string; // batches of two: the 2nd batch is keys[2], keys[3]
    // The engine itself fails that batch: a view on the (lenient) entry table throws for one key, with the
    // code of a transient failure (241, MEMORY_LIMIT_EXCEEDED).
    await h.rt.engine.client.command({ query: 'CREATE TABLE fault_sink (x UInt8) ENGINE = Null' });
    await h.rt.engine.client.command({
      query: `CREATE MATERIALIZED VIEW fault_mv TO fault_sink AS
              SELECT throwIf(source_key = '${poisoned}', 'injected', toInt32(241)) AS x FROM ingest_lines_lenient
              SETTINGS allow_custom_error_code_in_throwif = 1`,
    });
    const bulk = { mode: 'bulk', section_id: 'f4', start_date: '2024-02-01', end_date: '2024-02-06' };
    const handler = handlerOn(async () => h.rt);
    const error = await handler(bulk, localContext()).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(/^LOAD_FAILED: .*\[MEMORY_LIMIT_EXCEEDED\]/);
    // The cause is kept (the handler's log line shows the chain).
    expect(((error as Error).cause as Error | undefined)?.message).toMatch(/MEMORY_LIMIT_EXCEEDED|non-zero/);
    const status = async () =>
      Object.fromEntries(
        await Promise.all(keys.map(async (k) => [k, (await accountFor(h, k)).ledger?.status])),
      );
    expect(await status()).toEqual(
      Object.fromEntries(keys.map((k, i) => [k, i === 2 || i === 3 ? 'failed' : 'loaded'])),
    );
    const health = await handler({ health_check: true }, localContext());
    expect(
      (health as { checks?: { ledger?: { failed_sample?: string[] } } }).checks?.ledger?.failed_sample,
    ).toEqual(expect.arrayContaining([keys[2], keys[3]]));

    await h.rt.engine.client.command({ query: 'DROP VIEW fault_mv' });
    const rerun = (await handler(bulk, localContext())) as HandlerResult & { failed_files?: unknown };
    expect(rerun).toMatchObject({ success: true, files_processed: 2, files_skipped: 4 });
    for (const key of keys) await expectAccounted(key);
    const rows = await loadedRowsPerKey(h, 'section/f4/');
    expect([...rows.values()]).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('ClickHouse failing one batch with an error no retry can fix: its files are marked failed with the reason, the handler answers without throwing (no retry, no DLQ loop)', async () => {
    const keys = Array.from(
      { length: 4 },
      (_, i) => `section/f9/video/2024-03-0${i + 1}T00-00-00.000Z_bundle.jsonl`,
    );
    for (const [i, key] of keys.entries()) await put(key, makeBundle(3 + i));
    const poisoned = keys[1] as string; // batches of two: the 1st batch is keys[0], keys[1]
    await h.rt.engine.client.command({ query: 'CREATE TABLE fault_sink_p (x UInt8) ENGINE = Null' });
    // throwIf: FUNCTION_THROW_IF_VALUE_IS_NON_ZERO, the same on every retry.
    await h.rt.engine.client.command({
      query: `CREATE MATERIALIZED VIEW fault_mv_p TO fault_sink_p AS
              SELECT throwIf(source_key = '${poisoned}', 'injected: this data always fails') AS x FROM ingest_lines_lenient`,
    });
    const bulk = { mode: 'bulk', section_id: 'f9', start_date: '2024-03-01', end_date: '2024-03-04' };
    const handler = handlerOn(async () => h.rt);
    const result = (await handler(bulk, localContext())) as HandlerResult & {
      failed_files?: { key: string; error: string }[];
    };
    expect(result).toMatchObject({ success: false, files_processed: 2, files_failed: 2 });
    expect(result.failed_files?.map((f) => f.key).sort()).toEqual([keys[0], keys[1]]);
    expect(result.failed_files?.[0]?.error).toMatch(/FUNCTION_THROW_IF_VALUE_IS_NON_ZERO, not retried/);
    const ledger = await accountFor(h, poisoned);
    expect(ledger.ledger?.status).toBe('failed');
    await h.rt.engine.client.command({ query: 'DROP VIEW fault_mv_p' });
    const rerun = (await handler(bulk, localContext())) as HandlerResult;
    expect(rerun).toMatchObject({ success: true, files_processed: 2, files_skipped: 2 });
    const rows = await loadedRowsPerKey(h, 'section/f9/');
    expect([...rows.values()]).toEqual([1, 1, 1, 1]);
  });

  it('ClickHouse unreachable at the start: a clear, retryable error (the Lambda throws), nothing half-done', async () => {
    const port = await closedPort();
    const handler = handlerOn(() =>
      createRuntime(
        loadConfig({ ...process.env, ...h.env, CLICKHOUSE_HOST: '127.0.0.1', CLICKHOUSE_PORT: String(port) }),
      ),
    );
    const key = 'section/f5/video/2024-01-01T00-00-00.000Z_bundle.jsonl';
    await put(key, makeBundle(2));
    const error = await handler({ bucket: h.bucket, key }, localContext()).catch((e: Error) => e);
    expect((error as Error).name).toBe('ENGINE_FAILED');
    expect((error as Error).message).toMatch(
      new RegExp(`^ENGINE_FAILED: ClickHouse at http://127\\.0\\.0\\.1:${port} is unreachable`),
    );
    expect(out.logs().at(-1)).toMatchObject({ error_code: 'ENGINE_FAILED', retryable: true });
    expect((await accountFor(h, key)).ledger).toBeUndefined();
  });

  it('Lambda time running out mid-bulk: each invocation hands over to the next, every file loads once', async () => {
    const keys = Array.from(
      { length: 5 },
      (_, i) => `section/f6/quiz/2024-03-0${i + 1}T00-00-00.000Z_bundle.jsonl`,
    );
    for (const key of keys) await put(key, makeBundle(2, { broken: 1 }));
    const queue: unknown[] = [{ mode: 'bulk', section_id: 'f6' }];
    const results: HandlerResult[] = [];
    // Out of time after every batch: the budget says stop as soon as a batch has run.
    const handler = createHandler({
      runtime: async () => h.rt,
      invoker: async (next) => {
        queue.push(next);
      },
      budget: () => () => true,
    });
    while (queue.length > 0) results.push(await handler(queue.shift(), localContext()));
    expect(results).toHaveLength(3); // 5 files, 2 per batch, one batch per invocation
    expect(results.slice(0, -1).every((r) => r.continuation_invoked === true)).toBe(true);
    expect(results.at(-1)).toMatchObject({
      success: true,
      complete: true,
      run: { invocation: 3, totals: { files_processed: 5, events_processed: 10, events_rejected: 5 } },
    });
    for (const key of keys) await expectAccounted(key);
    expect([...(await loadedRowsPerKey(h, 'section/f6/')).values()]).toEqual([1, 1, 1, 1, 1]);
  });
});
