import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupSuperseded } from '../../src/cleanup/cleanup.js';
import { loadKeys, snapshot } from '../helpers/analytics-views.js';
import { makeBundle } from '../helpers/bundles.js';
import { type Harness, startHarness } from '../helpers/harness.js';

/**
 * No mutation on the load path (issue #20): a forced reload of 1,000 files issues no ALTER/DELETE mutation — its
 * rows replace the earlier loads' by key, so every FINAL view and every analytic equals one load at once — and
 * `cleanup` then deletes what is left of the earlier loads, a partition at a time, after which the raw tables
 * hold exactly one load again.
 */
describe('a reload of 1,000 files', () => {
  let h: Harness;
  const keys: string[] = [];
  const sections = ['north', 'south', 'east', 'west'];

  const one = async (sql: string) => Number(Object.values((await h.query(sql))[0] ?? {})[0]);
  const mutations = () => one('SELECT count() FROM system.mutations WHERE database = currentDatabase()');
  const raw = async () => ({
    statements: await one('SELECT count() FROM statements'),
    video_events: await one('SELECT count() FROM video_events'),
    rejected: await one('SELECT count() FROM rejected_statements'),
  });
  const final = async () => ({
    statements: await one('SELECT count() FROM statements FINAL'),
    video_events: await one('SELECT count() FROM video_events FINAL'),
    rejected: await one('SELECT count() FROM rejected_statements FINAL'),
  });

  beforeAll(async () => {
    h = await startHarness();
    for (let i = 0; i < 1000; i++) {
      const section = sections[i % sections.length] as string;
      const month = String(1 + (i % 3)).padStart(2, '0');
      keys.push(`section/${section}/video/2024-${month}-0${1 + (i % 9)}T00-00-00.000Z_f${i}.jsonl`);
    }
    for (let i = 0; i < keys.length; i += 100)
      await Promise.all(
        keys.slice(i, i + 100).map((k) => h.s3.put(h.bucket, k, makeBundle(3, { broken: 1, video: true }))),
      );
  }, 120_000);
  afterAll(async () => h?.close());

  it('issues no mutation; every FINAL view and analytic is one load at once; cleanup makes the raw tables exact', async () => {
    await loadKeys(h.rt, h, keys);
    const once = await raw();
    expect(once.statements).toBeGreaterThan(2000);
    expect(once.rejected).toBe(1000);
    const views = await snapshot(h);
    const before = await mutations();

    await loadKeys(h.rt, h, keys, { force: true });
    expect(await mutations(), 'mutations issued by the reload').toBe(before);
    expect(await final()).toEqual(once);
    expect(await snapshot(h)).toEqual(views);
    const superseded = await one('SELECT count() FROM superseded_loads FINAL WHERE cleaned_at IS NULL');
    expect(superseded).toBe(1000);

    const dry = await cleanupSuperseded(h.rt.engine.client, { dryRun: true });
    expect(dry.loads).toBe(1000);
    expect(await mutations()).toBe(before);

    const cleaned = await cleanupSuperseded(h.rt.engine.client, { batchSize: 400 });
    expect(cleaned.loads).toBe(1000);
    // One DELETE per table and month per batch (3 batches): bounded by partitions, not by files. The statements
    // are of January; a rejected line is in its file's month.
    expect(cleaned.partitions).toEqual({
      statements: ['202401'],
      video_events: ['202401'],
      rejected_statements: ['202401', '202402', '202403'],
    });
    const issued = (await mutations()) - before;
    expect(issued).toBeGreaterThan(0);
    expect(issued).toBeLessThanOrEqual(3 * (1 + 1 + 3));
    expect(await raw()).toEqual(once);
    expect(await snapshot(h)).toEqual(views);
    expect(await one('SELECT count() FROM superseded_loads FINAL WHERE cleaned_at IS NULL')).toBe(0);
    // Nothing left: a second run does nothing.
    expect((await cleanupSuperseded(h.rt.engine.client)).loads).toBe(0);
  }, 300_000);
});
