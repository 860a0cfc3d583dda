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
 * backfills can cover the same files. Whatever the interleaving, each file is loaded once: one claimant
 * wins each file (src/ledger/claims.ts), the others report it `in_progress` with zero counts, and the raw
 * tables (not only FINAL), the ledger and the reported figures all show one load.
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

  /** Each line stored once, in the raw tables too, and the version's ledger state is `loaded` with those counts. */
  async function expectExactlyOnce(key: string) {
    const a = await accountFor(h, key);
    const lines = linesOf(bodies.get(key) as string);
    expect(a.statements + a.rejected).toBe(lines);
    const [raw] = await h.query<{ statements: string; rejected: string }>(
      `SELECT (SELECT count() FROM statements WHERE source_key = {key:String}) AS statements,
              (SELECT count() FROM rejected_statements WHERE source_key = {key:String}) AS rejected`,
      { key },
    );
    expect([Number(raw?.statements), Number(raw?.rejected)]).toEqual([a.statements, a.rejected]);
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

  it('the same notification three times at the same moment: one loads it, the others report it in progress', async () => {
    const key = 'section/c1/video/2024-01-02T00-00-00.000Z_bundle.jsonl';
    await put(key, makeBundle(8, { broken: 2 }));
    out.clear();
    const results = await Promise.all([
      handler(notification(key), localContext()),
      handler(notification(key), localContext()),
      handler(notification(key), localContext()),
    ]);
    expect(results.every((r) => r.success)).toBe(true);
    const figures = results
      .map((r) => [r.files_processed, r.files_skipped, r.files_in_progress, r.events_processed])
      .sort();
    // One load: 1 file, 8 statements. The others either saw its claim (in progress) or, later, its ledger row.
    expect(figures[2]).toEqual([1, 0, 0, 8]);
    for (const f of figures.slice(0, 2))
      expect(f[0] === 0 && f[3] === 0 && Number(f[1]) + Number(f[2]) === 1).toBe(true);
    await expectExactlyOnce(key);
    // The reported metrics count the load once too.
    const emitted = out
      .emf()
      .reduce((n, m) => n + Number((m as { events_processed?: number }).events_processed ?? 0), 0);
    expect(emitted).toBe(8);
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
    const seen = (r?: HandlerResult) =>
      (r?.files_processed ?? 0) + (r?.files_skipped ?? 0) + (r?.files_in_progress ?? 0);
    expect(seen(ra)).toBe(9);
    expect(seen(rb)).toBe(6);
    // Every file loaded by exactly one of the two.
    expect((ra?.files_processed ?? 0) + (rb?.files_processed ?? 0)).toBe(9);
    for (const key of keys) await expectExactlyOnce(key);

    // And a third run afterwards has nothing left to do.
    const again = await handler(a, localContext());
    expect(again).toMatchObject({ success: true, files_processed: 0, files_skipped: 9 });
  });
});
