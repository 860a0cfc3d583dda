import { afterAll, beforeAll, describe, it } from 'vitest';
import { type Harness, startHarness } from '../helpers/harness.js';
import { startFaultProxy, objectRead } from '../helpers/fault-proxy.js';
import { runtimeVia } from '../helpers/runtime-via.js';
import { ingest } from '../../src/load/ingest.js';
import { headObject } from '../../src/plan/s3-objects.js';
import { DeleteObjectCommand } from '@aws-sdk/client-s3';
import { makeBundle } from '../helpers/bundles.js';

describe('scratch', () => {
  let h: Harness;
  beforeAll(async () => { h = await startHarness(); });
  afterAll(async () => h?.close());
  it('explores', async () => {
    const proxy = await startFaultProxy(h.s3.endpoint);
    const rt = runtimeVia(h.rt, proxy.endpoint);
    const k = (i: number) => `section/1/video/2024-01-0${i}T00-00-00.000Z_bundle.jsonl`;
    for (const i of [1,2,3,4,5]) await h.s3.put(h.bucket, k(i), makeBundle(3));
    // persistent 503
    proxy.setRules([{ match: objectRead(k(1)), action: { kind: 'status', status: 503 } }]);
    let t = Date.now();
    let r = await ingest(rt, [await headObject(rt.s3, h.bucket, k(1))], { mode: 'event' });
    console.log('503 persistent', Date.now() - t, JSON.stringify(r.files.map(f => [f.outcome, f.error?.slice(0, 300)])), r.retryableFailure, proxy.log.length);
    // cut once
    proxy.log.length = 0;
    proxy.setRules([{ match: objectRead(k(2)), action: { kind: 'cut', bytes: 100 }, times: 1 }]);
    t = Date.now();
    r = await ingest(rt, [await headObject(rt.s3, h.bucket, k(2))], { mode: 'event' });
    console.log('cut once', Date.now() - t, JSON.stringify(r.totals), JSON.stringify(proxy.log));
    // deleted single
    proxy.setRules([]);
    const o3 = await headObject(rt.s3, h.bucket, k(3));
    await h.s3.client.send(new DeleteObjectCommand({ Bucket: h.bucket, Key: k(3) }));
    r = await ingest(rt, [o3], { mode: 'event' });
    console.log('deleted single', JSON.stringify(r.files.map(f => [f.outcome, f.error?.slice(0, 300)])));
    // deleted in a batch of two
    const o4 = await headObject(rt.s3, h.bucket, k(4));
    const o5 = await headObject(rt.s3, h.bucket, k(5));
    await h.s3.client.send(new DeleteObjectCommand({ Bucket: h.bucket, Key: k(4) }));
    r = await ingest(rt, [o4, o5], { mode: 'event' });
    console.log('deleted in batch', JSON.stringify(r.files.map(f => [f.key, f.outcome, f.lines, f.error?.slice(0, 300)])));
    await proxy.close();
  });
});
