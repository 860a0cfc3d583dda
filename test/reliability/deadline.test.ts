import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupSuperseded } from '../../src/cleanup/cleanup.js';
import { loadConfig } from '../../src/config/env.js';
import { createHandler, type HandlerResult } from '../../src/lambda/create-handler.js';
import { localContext } from '../../src/lambda/local-context.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { migrate } from '../../src/upgrade/migrate.js';
import { accountFor, linesOf } from '../helpers/accounting.js';
import { makeBundle } from '../helpers/bundles.js';
import { type CapturedOutput, captureOutput } from '../helpers/capture-output.js';
import { type EngineHttpFront, startEngineHttpFront } from '../helpers/engine-http-front.js';
import { type FaultProxy, objectRead, startFaultProxy } from '../helpers/fault-proxy.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { runtimeVia } from '../helpers/runtime-via.js';

/**
 * A load never outlives its invocation (issue #21): S3 slowed so that the file would take ~10 s to read, an
 * invocation with 8 s left. At its deadline (remaining time less the margin) the handler cancels the running
 * INSERT on the engine, waits for it at most half its margin, records the file `failed` and throws for a retry —
 * before the invocation's own end. A retry waits until the killed INSERT is gone; the file loads once.
 */
describe('the invocation deadline', () => {
  let h: Harness;
  let proxy: FaultProxy;
  let viaProxy: Runtime;
  let out: CapturedOutput;

  beforeAll(async () => {
    h = await startHarness();
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

  it('cancels a load slowed past the deadline, in time, and the retry loads the file once', async () => {
    const key = 'section/d1/video/2024-01-01T00-00-00.000Z_slow.jsonl';
    const body = makeBundle(40_000, { broken: 1 }); // ~10 MB: 10 s at 1 MiB/s
    await h.s3.put(h.bucket, key, body);
    proxy.setRules([{ match: objectRead(key), action: { kind: 'throttle', bytesPerSecond: 1024 * 1024 } }]);
    const handler = createHandler({ runtime: async () => viaProxy });

    const started = performance.now();
    const error = await handler({ bucket: h.bucket, key }, localContext({ timeLimitMs: 8_000 })).catch(
      (e: Error) => e,
    );
    const elapsed = performance.now() - started;
    console.log(`deadline: threw after ${Math.round(elapsed)} ms of an 8,000 ms invocation`);
    expect(error).toBeInstanceOf(Error);
    expect(elapsed).toBeLessThan(8_000);
    const account = await accountFor(h, key);
    expect(account.ledger).toMatchObject({ status: 'failed' });
    expect(String(account.ledger?.error)).toMatch(
      /before the invocation's timeout, so that no query outlives it/,
    );
    // A retry at once, while the killed INSERT may still be winding down on the engine: it waits for it (in
    // progress, nothing loaded twice) or, if it has ended, loads the file.
    proxy.setRules([]);
    const early = (await handler(
      { bucket: h.bucket, key },
      localContext({ timeLimitMs: 60_000 }),
    )) as HandlerResult;
    expect(early.success).toBe(true);
    const runningLoads = async () =>
      Number(
        (
          await h.query<{ n: string }>(
            "SELECT count() AS n FROM system.processes WHERE query LIKE 'INSERT INTO ingest_lines%'",
          )
        )[0]?.n,
      );
    for (let i = 0; i < 120 && (await runningLoads()) > 0; i++) await new Promise((r) => setTimeout(r, 250));
    expect(await runningLoads()).toBe(0);
    const retry = (await handler(
      { bucket: h.bucket, key },
      localContext({ timeLimitMs: 60_000 }),
    )) as HandlerResult;
    expect(early.files_processed + retry.files_processed).toBe(1);
    expect(early.files_processed === 1 ? early : retry).toMatchObject({
      events_processed: 40_000,
      events_rejected: 1,
    });
    await cleanupSuperseded(h.rt.engine.client);
    const after = await accountFor(h, key);
    expect(after.statements + after.rejected).toBe(linesOf(body));
    const [raw] = await h.query<{ n: string; loads: string }>(
      'SELECT count() AS n, uniqExact(load_id) AS loads FROM statements WHERE source_key = {key:String}',
      { key },
    );
    expect({ n: Number(raw?.n), loads: Number(raw?.loads) }).toEqual({ n: 40_000, loads: 1 });
  }, 120_000);

  it('a ClickHouse that stops answering mid-load does not hold the invocation past its deadline either', async () => {
    const front: EngineHttpFront = await startEngineHttpFront();
    const chProxy = await startFaultProxy(front.url);
    const env = {
      ...process.env,
      ...h.env,
      CLICKHOUSE_HOST: chProxy.endpoint,
      CLICKHOUSE_USERNAME: front.user,
      CLICKHOUSE_PASSWORD: front.password,
      CLICKHOUSE_DATABASE: 'stalled',
    };
    const rt = await createRuntime(loadConfig(env));
    try {
      await migrate(rt.engine.client);
      const key = 'section/d2/video/2024-01-02T00-00-00.000Z_a.jsonl';
      await h.s3.put(h.bucket, key, makeBundle(5));
      // From the load's INSERT on, every answer is held for a minute: ClickHouse looks hung.
      let stalled = false;
      chProxy.setRules([
        {
          match: (r) => {
            stalled ||= r.body.includes('INSERT INTO ingest_lines');
            return stalled;
          },
          action: { kind: 'delay', ms: 60_000 },
        },
      ]);
      const started = performance.now();
      const error = await createHandler({ runtime: async () => rt })(
        { bucket: h.bucket, key },
        localContext({ timeLimitMs: 8_000 }),
      ).catch((e: Error) => e);
      const elapsed = performance.now() - started;
      console.log(`stalled ClickHouse: threw after ${Math.round(elapsed)} ms of an 8,000 ms invocation`);
      expect(error).toBeInstanceOf(Error);
      expect(elapsed).toBeLessThan(8_000);
    } finally {
      chProxy.setRules([]);
      await rt.close().catch(() => undefined);
      await chProxy.close();
      await front.stop();
    }
  }, 120_000);
});
