import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachLimited } from '../../src/concurrency.js';
import { createHandler, type HandlerResult } from '../../src/lambda/create-handler.js';
import { localContext } from '../../src/lambda/local-context.js';
import type { BudgetStats, BulkModeResult } from '../../src/modes/bulk.js';
import { planBulk } from '../../src/plan/bulk-plan.js';
import type { Runtime } from '../../src/runtime.js';
import { withBatches } from '../helpers/analytics-views.js';
import { makeBundle } from '../helpers/bundles.js';
import { type CapturedOutput, captureOutput, emfDimensions } from '../helpers/capture-output.js';
import { type Harness, startHarness } from '../helpers/harness.js';

/** 3 sections × 42 days × 4 bundles a day (2 event types, 2 uploads each) = 504 bundles. */
const SECTIONS = ['101', '202', '303'];
const DAYS = Array.from({ length: 42 }, (_, i) =>
  new Date(Date.UTC(2024, 0, 1 + i)).toISOString().slice(0, 10),
);
const STATEMENTS_PER_BUNDLE = 2;

interface Bundle {
  key: string;
  section: string;
  date: string;
}
const BUNDLES: Bundle[] = SECTIONS.flatMap((section) =>
  DAYS.flatMap((date) =>
    ['video', 'quiz'].flatMap((type) =>
      ['08-00-00.000Z', '20-30-00.000Z'].map((time) => ({
        key: `section/${section}/${type}/${date}T${time}_bundle.jsonl`,
        section,
        date,
      })),
    ),
  ),
);
/** Objects the planner must never pick up for a dated backfill. */
const NOISE = [
  'section/101/video/notes.txt',
  'section/101/video/undated_bundle.jsonl',
  'section/101/video/2024-01-05/nested/2024-01-05T00-00-00.000Z_bundle.jsonl',
  'archive/101/video/2024-01-05T00-00-00.000Z_bundle.jsonl',
];

describe('Lambda handler, bulk mode: a 504-bundle backfill (chDB + s3rver)', () => {
  let h: Harness;
  let out: CapturedOutput;

  beforeAll(async () => {
    // Batches of 60 files keep the run short while still needing several batches and invocations.
    h = await startHarness({ env: { XAPI_BATCH_MAX_FILES: '60' } });
    const uploads = [...BUNDLES.map((b) => b.key), ...NOISE];
    const started = performance.now();
    await forEachLimited(uploads, 8, (key) =>
      h.s3.put(h.bucket, key, makeBundle(STATEMENTS_PER_BUNDLE, { video: key.includes('/video/') })),
    );
    console.log(`uploaded ${uploads.length} objects in ${Math.round(performance.now() - started)} ms`);
    out = captureOutput();
  });
  afterAll(async () => {
    out?.restore();
    await h?.close();
  });

  /**
   * Each test loads into a database of its own (its own ledger) from the same uploaded bucket, so none
   * depends on what another one loaded.
   */
  async function world() {
    const w = await h.isolated();
    return {
      ...w,
      backfill: (
        payload: Record<string, unknown>,
        timeUp?: (s: BudgetStats) => boolean,
        options: { dropContinuation?: boolean } = {},
      ) => backfill(w.rt, payload, timeUp, options),
      tableCounts: () => tableCounts(w.query),
      loadedRows: () => loadedRows(w.query),
    };
  }

  /** Runs a payload and every continuation it hands over, in-process, as Lambda would run them. */
  async function backfill(
    rt: Runtime,
    payload: Record<string, unknown>,
    timeUp?: (s: BudgetStats) => boolean,
    options: { dropContinuation?: boolean } = {},
  ): Promise<BulkModeResult[]> {
    const queue: unknown[] = [payload];
    const results: HandlerResult[] = [];
    const handler = createHandler({
      runtime: async () => rt,
      invoker: async (next) => {
        if (!options.dropContinuation) queue.push(next);
      },
      budget: () => timeUp ?? (() => false),
    });
    while (queue.length > 0) results.push(await handler(queue.shift(), localContext()));
    return results as unknown as BulkModeResult[];
  }

  async function tableCounts(query: Harness['query']) {
    const [row] = await query<{ files: number; statements: number }>(
      'SELECT (SELECT count() FROM ingested_files) AS files, (SELECT count() FROM statements) AS statements',
    );
    return { files: Number(row?.files), statements: Number(row?.statements) };
  }

  /** Every loaded row of the ledger, not collapsed: a key loaded twice would show twice. */
  async function loadedRows(query: Harness['query']): Promise<Map<string, number>> {
    const rows = await query<{ key: string; n: number }>(
      `SELECT key, count() AS n FROM ingested_files WHERE status = 'loaded' GROUP BY key`,
    );
    return new Map(rows.map((r) => [r.key, Number(r.n)]));
  }

  it('dry_run plans every section and day of the range and writes nothing', async () => {
    const { backfill, tableCounts } = await world();
    const [r] = await backfill({ mode: 'bulk', start_date: DAYS[0], end_date: DAYS.at(-1), dry_run: true });
    expect(r).toMatchObject({
      success: true,
      processing_mode: 'bulk',
      dry_run: true,
      complete: true,
      section_id: null,
      files_processed: 0,
      planned: { files: 504, already_loaded: 0 },
    });
    expect(r?.planned.by_section_day).toHaveLength(3 * 42);
    expect(r?.planned.by_section_day.every((d) => d.files === 4)).toBe(true);
    // Without a date range, a bundle without a date in its name is planned too; the rest of the noise never is.
    const [undated] = await backfill({ dry_run: true });
    expect(undated?.planned.files).toBe(505);
    expect(await tableCounts()).toEqual({ files: 0, statements: 0 });
  });

  it('the date filter selects exactly the bundles of the chosen sections and inclusive days', async () => {
    const request = { sections: ['101', '303'], startDate: '2024-01-10', endDate: '2024-01-19' };
    const { backfill } = await world();
    const plan = await planBulk(h.rt.s3, { bucket: h.bucket, prefix: 'section/', ...request });
    const expected = BUNDLES.filter(
      (b) => request.sections.includes(b.section) && b.date >= request.startDate && b.date <= request.endDate,
    ).map((b) => b.key);
    expect(expected).toHaveLength(2 * 10 * 4);
    expect(plan.objects.map((o) => o.key)).toEqual([...expected].sort());

    const [r] = await backfill({
      section_id: request.sections,
      start_date: request.startDate,
      end_date: request.endDate,
      dry_run: true,
    });
    expect(r?.section_id).toEqual(['101', '303']);
    expect(r?.planned.files).toBe(80);
    expect(r?.planned.by_section_day.map((d) => `${d.section_id} ${d.date} ${d.files}`)).toEqual(
      ['101', '303'].flatMap((s) => DAYS.slice(9, 19).map((d) => `${s} ${d} 4`)),
    );
  });

  it('a backfill of more than 16 continuations finishes; a chain past XAPI_BULK_MAX_CONTINUATIONS stops and says so', async () => {
    // Lambda's recursive-loop detection stops Lambda-only chains after ~16 invocations unless the function allows
    // them (the template: RecursiveLoop Allow); the cap is ours.
    const w = await world();
    const rt = withBatches(w.rt, 8);
    const payload = {
      mode: 'bulk',
      section_id: ['101', '202'],
      start_date: '2024-01-10',
      end_date: '2024-01-29',
    };
    const results = await backfill(rt, payload, (s) => s.batchesRun >= 1);
    expect(results.length).toBe(20); // 160 bundles, 8 per invocation
    expect(results.at(-1)).toMatchObject({ success: true, complete: true });
    expect(results.at(-1)?.run).toMatchObject({
      invocation: 20,
      totals: { files_processed: 160, files_failed: 0 },
    });
    expect((await w.loadedRows()).size).toBe(160);

    const capped = await h.isolated();
    const small = {
      ...withBatches(capped.rt, 8),
      config: { ...withBatches(capped.rt, 8).config, bulkMaxContinuations: 3 },
    };
    const stopped = (await backfill(small, payload, (s) => s.batchesRun >= 1)) as (BulkModeResult & {
      error?: string;
    })[];
    expect(stopped).toHaveLength(4); // the first invocation and three continuations
    expect(stopped.at(-1)).toMatchObject({ success: false, complete: false });
    expect(stopped.at(-1)?.error).toMatch(
      /backfill stopped after 3 continuations \(XAPI_BULK_MAX_CONTINUATIONS=3\)/,
    );
    // The same request again carries on where the chain stopped.
    const again = await backfill(small, payload, () => false);
    expect(again.at(-1)).toMatchObject({ success: true, complete: true, files_processed: 160 - 32 });
  }, 240_000);

  it('a run cut short by its time budget continues in new invocations and loads every file exactly once', async () => {
    const { backfill, tableCounts, loadedRows } = await world();
    const payload = { mode: 'bulk', section_id: SECTIONS, start_date: '2024-01-10', end_date: '2024-01-29' };
    const started = performance.now();
    // Simulated Lambda time budget: two batches per invocation.
    const results = await backfill(payload, (s) => s.batchesRun >= 2);
    console.log(
      `240 bundles over ${results.length} invocations in ${Math.round(performance.now() - started)} ms`,
    );
    expect(results.length).toBeGreaterThanOrEqual(2);
    expect(results.slice(0, -1).every((r) => r.complete === false && r.continuation !== undefined)).toBe(
      true,
    );
    const last = results.at(-1) as BulkModeResult;
    expect(last).toMatchObject({ success: true, complete: true });
    expect(last.run).toMatchObject({
      invocation: results.length,
      totals: { files_processed: 240, files_failed: 0, events_processed: 240 * STATEMENTS_PER_BUNDLE },
    });
    expect(new Set(results.map((r) => r.run.run_id)).size).toBe(1);

    const rows = await loadedRows();
    expect(rows.size).toBe(240);
    expect([...rows.values()].every((n) => n === 1)).toBe(true);
    expect((await tableCounts()).statements).toBe(240 * STATEMENTS_PER_BUNDLE);

    // Metrics: one EMF blob per invocation, totals per mode.
    const blobs = out.emf().filter((b) => b.processing_mode === 'bulk');
    expect(blobs.length).toBeGreaterThanOrEqual(results.length);
    const dims = emfDimensions(blobs.at(-1));
    expect(dims).toEqual([['service', 'processing_mode']]);
    expect(out.logs().some((l) => l.message === 'backfill continues in a new invocation')).toBe(true);
  });

  it('re-running a finished backfill loads nothing', async () => {
    const { backfill, tableCounts } = await world();
    const payload = { section_id: SECTIONS, start_date: '2024-01-10', end_date: '2024-01-12' };
    const [first] = await backfill(payload);
    expect(first).toMatchObject({ success: true, complete: true, files_processed: 36 });
    const [r] = await backfill(payload);
    expect(r).toMatchObject({
      success: true,
      complete: true,
      files_processed: 0,
      files_skipped: 36,
      events_processed: 0,
    });
    expect((await tableCounts()).statements).toBe(36 * STATEMENTS_PER_BUNDLE);
  });

  it('an interrupted run whose continuation was lost, re-run, loads only the rest, each file once', async () => {
    const { backfill, tableCounts, loadedRows } = await world();
    const payload = { mode: 'bulk', start_date: DAYS[0], end_date: DAYS.at(-1) };
    const [cut] = await backfill(payload, () => true, { dropContinuation: true });
    expect(cut).toMatchObject({ complete: false, files_processed: 60 });
    const started = performance.now();
    const [rest] = await backfill(payload);
    console.log(
      `re-run of the full range: ${rest?.files_processed} loaded, ${rest?.files_skipped} skipped in ${Math.round(performance.now() - started)} ms`,
    );
    expect(rest).toMatchObject({
      success: true,
      complete: true,
      files_processed: 504 - 60,
      files_skipped: 60,
    });

    const rows = await loadedRows();
    expect(rows.size).toBe(504);
    expect([...rows.values()].every((n) => n === 1)).toBe(true);
    expect((await tableCounts()).statements).toBe(504 * STATEMENTS_PER_BUNDLE);
    expect([...rows.keys()].some((k) => NOISE.includes(k))).toBe(false);
  });

  it('a single bounded section is in the metrics (metadata, not a dimension); once loaded, nothing is left to load', async () => {
    const { backfill } = await world();
    const payload = { mode: 'bulk', section_id: '202', start_date: DAYS[0], end_date: DAYS[1] };
    const [first] = await backfill(payload);
    expect(first).toMatchObject({ section_id: '202', files_processed: 8 });
    out.clear();
    const [r] = await backfill(payload);
    expect(r).toMatchObject({ section_id: '202', files_processed: 0, files_skipped: 8 });
    const blob = out.emf().at(-1);
    expect(blob).toMatchObject({
      processing_mode: 'bulk',
      section_id: '202',
      files_skipped: 8,
      success: 1,
    });
    expect(emfDimensions(blob)).toEqual([['service', 'processing_mode']]);
  });
});
