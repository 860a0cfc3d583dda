import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler, type HandlerResult } from '../../src/lambda/create-handler.js';
import { localContext } from '../../src/lambda/local-context.js';
import { accountFor, linesOf } from '../helpers/accounting.js';
import { awsEncodeKey, makeBundle } from '../helpers/bundles.js';
import { type CapturedOutput, captureOutput } from '../helpers/capture-output.js';
import { type Harness, startHarness } from '../helpers/harness.js';

/**
 * Duplicate and overlapping work: S3 delivers a notification at least once, so the same event can
 * arrive twice — one after the other, or at the same moment in two Lambda containers — and two
 * backfills can cover the same files. Whatever the interleaving, each line is stored once (read with
 * FINAL, as every query that must be exact does) and the ledger ends with one `loaded` state per version.
 */
describe('concurrency: duplicate notifications and overlapping backfills (chDB + s3rver)', () => {
  let h: Harness;
  let out: CapturedOutput;
  let handler: ReturnType<typeof createHandler>;
  const bodies = new Map<string, string>();

  beforeAll(async () => {
    h = await startHarness({ env: { XAPI_BATCH_MAX_FILES: '3' } });
    handler = createHandler({ runtime: async () => h.rt });
    out = captureOutput();
  });
  afterAll(async () => {
    out?.restore();
    await h?.close();
  });

  async function put(key: string, body: string) {
    bodies.set(key, body);
    return h.s3.put(h.bucket, key, body);
  }
  const notification = (key: string) => ({
    Records: [
      {
        eventSource: 'aws:s3',
        eventName: 'ObjectCreated:Put',
        s3: { bucket: { name: h.bucket }, object: { key: awsEncodeKey(key) } },
      },
    ],
  });

  /** Each line stored once (FINAL), and the version's final ledger state is `loaded` with the same counts. */
  async function expectExactlyOnce(key: string) {
    const a = await accountFor(h, key);
    const lines = linesOf(bodies.get(key) as string);
    expect(a.statements + a.rejected).toBe(lines);
    expect(a.ledger).toMatchObject({
      status: 'loaded',
      lines,
      statements: a.statements,
      rejected: a.rejected,
    });
    const [versions] = await h.query<{ n: number }>(
      'SELECT count() AS n FROM ingested_files FINAL WHERE key = {key:String}',
      { key },
    );
    expect(Number(versions?.n)).toBe(1);
  }

  it('the same notification twice, one after the other: loaded once, then skipped', async () => {
    const key = 'section/c1/video/2024-01-01T00-00-00.000Z_bundle.jsonl';
    await put(key, makeBundle(5, { broken: 1 }));
    const first = await handler(notification(key), localContext());
    const second = await handler(notification(key), localContext());
    expect(first).toMatchObject({
      success: true,
      files_processed: 1,
      events_processed: 5,
      events_rejected: 1,
    });
    expect(second).toMatchObject({
      success: true,
      files_processed: 0,
      files_skipped: 1,
      events_processed: 0,
    });
    await expectExactlyOnce(key);
    // Not even a duplicate row waiting for a merge: the second delivery wrote nothing.
    const [raw] = await h.query<{ n: number }>(
      'SELECT count() AS n FROM statements WHERE source_key = {key:String}',
      { key },
    );
    expect(Number(raw?.n)).toBe(5);
  });

  it('the same notification twice at the same moment: both succeed, every line is stored once', async () => {
    const key = 'section/c1/video/2024-01-02T00-00-00.000Z_bundle.jsonl';
    await put(key, makeBundle(8, { broken: 2 }));
    const results = await Promise.all([
      handler(notification(key), localContext()),
      handler(notification(key), localContext()),
    ]);
    expect(results.every((r) => r.success)).toBe(true);
    // Both may have loaded it (neither saw the other's ledger entry yet) or one skipped it; either
    // way the ledger and the FINAL tables hold it once.
    const processed = results.map((r) => r.files_processed + r.files_skipped);
    expect(processed).toEqual([1, 1]);
    console.log(`concurrent duplicate: files_processed ${results.map((r) => r.files_processed).join(' + ')}`);
    await expectExactlyOnce(key);
  });

  it('two overlapping backfills of the same section and dates at once: every file stored once', async () => {
    const keys = Array.from(
      { length: 9 },
      (_, i) => `section/c2/quiz/2024-02-0${i + 1}T00-00-00.000Z_bundle.jsonl`,
    );
    for (const [i, key] of keys.entries()) await put(key, makeBundle(2 + (i % 3), { broken: i % 2 }));
    const a = { mode: 'bulk', section_id: 'c2', start_date: '2024-02-01', end_date: '2024-02-09' };
    const b = { mode: 'bulk', section_id: 'c2', start_date: '2024-02-04', end_date: '2024-02-09' };
    const [ra, rb] = (await Promise.all([
      handler(a, localContext()),
      handler(b, localContext()),
    ])) as HandlerResult[];
    expect(ra).toMatchObject({ success: true, complete: true });
    expect(rb).toMatchObject({ success: true, complete: true });
    expect((ra?.files_processed ?? 0) + (ra?.files_skipped ?? 0)).toBe(9);
    expect((rb?.files_processed ?? 0) + (rb?.files_skipped ?? 0)).toBe(6);
    for (const key of keys) await expectExactlyOnce(key);

    // And a third run afterwards has nothing left to do.
    const again = await handler(a, localContext());
    expect(again).toMatchObject({ success: true, files_processed: 0, files_skipped: 9 });
  });
});
