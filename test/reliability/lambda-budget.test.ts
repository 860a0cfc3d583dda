import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler, type HandlerResult } from '../../src/lambda/create-handler.js';
import { localContext } from '../../src/lambda/local-context.js';
import type { BulkModeResult } from '../../src/modes/bulk.js';
import type { Runtime } from '../../src/runtime.js';
import { makeBundle } from '../helpers/bundles.js';
import { type FaultProxy, objectRead, startFaultProxy } from '../helpers/fault-proxy.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { runtimeVia } from '../helpers/runtime-via.js';

/**
 * The Lambda's own time budget (lambdaBudget, the handler's default: no budget is injected here). An
 * invocation stops between batches when less than 60 s + 1.5 × its longest batch is left of the
 * Lambda's time, and hands the rest to a new invocation; each file still loads exactly once.
 */
describe('Lambda time budget (the default one)', () => {
  let h: Harness;
  let proxy: FaultProxy;

  beforeAll(async () => {
    h = await startHarness({ env: { XAPI_BATCH_MAX_FILES: '1' } });
    proxy = await startFaultProxy(h.s3.endpoint);
  });
  afterAll(async () => {
    await proxy?.close();
    await h?.close();
  });

  async function upload(section: string, files: number) {
    for (let i = 1; i <= files; i++) {
      await h.s3.put(
        h.bucket,
        `section/${section}/video/2024-01-0${i}T00-00-00.000Z_bundle.jsonl`,
        makeBundle(2),
      );
    }
  }

  /** Runs a bulk payload the way Lambda would: every continuation is a new invocation, with its own time. */
  async function invokeUntilDone(rt: Runtime, section: string, timeLimitMs?: number) {
    const invocations: BulkModeResult[] = [];
    const queue: unknown[] = [{ mode: 'bulk', section_id: section }];
    const handler = createHandler({
      runtime: async () => rt,
      invoker: async (next) => void queue.push(next),
    });
    while (queue.length > 0) {
      const r = (await handler(queue.shift(), localContext({ timeLimitMs }))) as HandlerResult &
        BulkModeResult;
      expect(r.success, JSON.stringify(r)).toBe(true);
      invocations.push(r);
      if (invocations.length > 10) throw new Error('no end in sight');
    }
    return invocations;
  }

  it('with under a minute left, each invocation loads one batch and hands over; each file loads once', async () => {
    await upload('t1', 3);
    const runs = await invokeUntilDone(h.rt, 't1', 60_000);
    expect(runs.map((r) => r.files_processed)).toEqual([1, 1, 1]);
    expect(runs.map((r) => r.complete)).toEqual([false, false, true]);
    expect(runs.at(-1)?.run.totals.files_processed).toBe(3);
  });

  it('with plenty of time left, one invocation loads everything', async () => {
    await upload('t2', 3);
    const runs = await invokeUntilDone(h.rt, 't2', 15 * 60_000);
    expect(runs.map((r) => r.files_processed)).toEqual([3]);
  });

  it('the margin grows with the longest batch: 2 s batches with 64 s left stop after the first', async () => {
    await upload('t3', 3);
    // Each object read held 2 s: after one batch about 62 s are left, under 60 s + 1.5 × 2 s.
    proxy.setRules([{ match: objectRead('section/t3/'), action: { kind: 'delay', ms: 2_000 } }]);
    const rt = runtimeVia(h.rt, proxy.endpoint);
    try {
      const runs = await invokeUntilDone(rt, 't3', 64_000);
      expect(runs[0]?.files_processed).toBe(1);
      expect(runs.reduce((n, r) => n + r.files_processed, 0)).toBe(3);
    } finally {
      proxy.setRules([]);
      await rt.close();
    }
  });
});
