import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachLimited } from '../../src/concurrency.js';
import { runBulk } from '../../src/modes/bulk.js';
import { runEvent } from '../../src/modes/event.js';
import { bulkPayloadSchema } from '../../src/requests/bulk-request.js';
import type { Runtime } from '../../src/runtime.js';
import { type Rows, snapshot } from '../helpers/analytics-views.js';
import { type Harness, type Isolated, startHarness } from '../helpers/harness.js';
import {
  arrayShape,
  COURSE,
  firehoseShape,
  jsonLinesShape,
  lrsPageShape,
  type Shape,
  type ShapeFile,
  sourceBundles,
  vectorShape,
} from '../helpers/shapes.js';

/**
 * xAPI from wherever it lands in S3 (issue #22): the same statements as Firehose output (concatenated, gzip, with
 * and without extension), Vector envelopes (gzip, the section in the statement), JSON arrays and LRS result pages,
 * each under its own key layout. In event mode and in bulk mode: every record loaded or rejected at its position,
 * nothing twice, bulk lists only the folders of its date range, and the analytics are those of the same statements
 * delivered in the brief's layout.
 */
const BUNDLES = sourceBundles('2024-03-04', 3);
/** Other days under the same layouts: a backfill of 2024-03-04..06 must neither load nor list them. */
const NOISE = sourceBundles('2024-02-10', 2, 7);
const RANGE = { start_date: '2024-03-04', end_date: '2024-03-06' };
const SHAPES: Shape[] = [
  firehoseShape(BUNDLES, NOISE),
  vectorShape(BUNDLES, NOISE),
  arrayShape(BUNDLES, NOISE),
  lrsPageShape(BUNDLES, NOISE),
];

describe('sources: key layouts, compressions, arrays, pages and envelopes (chDB + s3rver)', () => {
  let h: Harness;
  let baseline: Record<string, Rows>;

  beforeAll(async () => {
    h = await startHarness();
    const reference = await world(jsonLinesShape(BUNDLES));
    await runEvent(
      reference.rt,
      jsonLinesShape(BUNDLES).files.map((f) => ({ bucket: reference.bucket, key: f.key })),
    );
    baseline = await snapshot(reference as unknown as Harness);
    // Every statement but the two the generator voids (one a section).
    expect(baseline.statements_active?.length).toBe(BUNDLES.reduce((n, b) => n + b.statements.length, 0) - 2);
  });
  afterAll(async () => h?.close());

  /** A database and bucket of its own, configured for the shape, its files (and noise) uploaded. */
  async function world(shape: Shape, upload = true): Promise<Isolated> {
    const w = await h.isolated({ bucket: true, env: shape.env });
    if (upload)
      await forEachLimited([...shape.files, ...shape.noise], 8, (f) =>
        h.s3.put(w.bucket, f.key, f.body).then(() => {}),
      );
    return w;
  }

  /** Per file: every record is a statement or a rejection at its position, once (FINAL and raw after cleanup). */
  async function expectAccounted(w: Isolated, files: ShapeFile[]) {
    for (const f of files) {
      const rows = await w.query<{ id: string; line: number }>(
        `SELECT toString(statement_id) AS id, line_number AS line FROM statements WHERE source_key = {k:String} ORDER BY line`,
        { k: f.key },
      );
      const rejected = await w.query<{ reason: string; line: number }>(
        `SELECT toString(reason) AS reason, line_number AS line FROM rejected_statements WHERE source_key = {k:String} ORDER BY line`,
        { k: f.key },
      );
      const seen = new Map<number, { statementId?: string; reason?: string }>();
      for (const r of rows) seen.set(Number(r.line), { statementId: r.id });
      for (const r of rejected) seen.set(Number(r.line), { reason: r.reason });
      expect(rows.length + rejected.length, `${f.key}: one row per record, none twice`).toBe(
        f.records.length,
      );
      expect(
        f.records.map((_, i) => seen.get(i + 1)),
        f.key,
      ).toEqual(f.records);
    }
  }

  /** The analytics of the shape's database, for the sections the baseline has. */
  async function expectBaselineAnalytics(w: Isolated) {
    const mine = await snapshot(w as unknown as Harness);
    for (const [view, rows] of Object.entries(baseline)) expect(mine[view], view).toEqual(rows);
  }

  /** Records every ListObjectsV2 prefix the runtime's S3 client asks for. */
  function countListings(rt: Runtime): string[] {
    const prefixes: string[] = [];
    rt.s3.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === 'ListObjectsV2Command')
          prefixes.push(String((args.input as { Prefix?: string }).Prefix));
        return next(args);
      },
      { step: 'initialize', name: `count-listings-${Math.random()}` },
    );
    return prefixes;
  }

  describe.each(SHAPES)('$name', (shape) => {
    it('event mode: each record loaded or rejected at its position; a re-delivery loads nothing twice', async () => {
      const w = await world(shape);
      const targets = shape.files.map((f) => ({ bucket: w.bucket, key: f.key }));
      const first = await runEvent(w.rt, targets);
      expect(first.files.filter((f) => f.outcome !== 'loaded')).toEqual([]);
      expect(first.events_processed + first.events_rejected).toBe(
        shape.files.reduce((n, f) => n + f.records.length, 0),
      );
      const again = await runEvent(w.rt, targets);
      expect(again).toMatchObject({
        files_processed: 0,
        files_skipped: shape.files.length,
        events_processed: 0,
      });
      await expectAccounted(w, shape.files);
      await expectBaselineAnalytics(w);
    });

    it('bulk mode: lists only the folders of the date range, loads the range once, as event mode does', async () => {
      const w = await world(shape);
      const listed = countListings(w.rt);
      const run = await runBulk(w.rt, bulkPayloadSchema.parse({ mode: 'bulk', ...RANGE }));
      expect(run).toMatchObject({ success: true, complete: true, files_processed: shape.files.length });
      // No listing reaches a folder of another day (noise is in February; the range is 4–6 March 2024).
      expect(
        listed.filter((p) => p.includes('2024/02') || p.includes('2024-02')),
        listed.join(' '),
      ).toEqual([]);
      expect(listed.length).toBeGreaterThan(0);
      console.log(shape.name, [...new Set(listed)].sort().join(' '));
      await expectAccounted(w, shape.files);
      await expectBaselineAnalytics(w);
      // Event notifications for the same files afterwards: all skipped.
      const later = await runEvent(
        w.rt,
        shape.files.map((f) => ({ bucket: w.bucket, key: f.key })),
      );
      expect(later).toMatchObject({ files_processed: 0, files_skipped: shape.files.length });
    });
  });

  it('Firehose, hourly: one listing per day of the range, never the bucket or a folder outside it', async () => {
    const shape = SHAPES[0] as Shape;
    const w = await world(shape);
    const listed = countListings(w.rt);
    await runBulk(w.rt, bulkPayloadSchema.parse({ mode: 'bulk', section_id: '101', ...RANGE }));
    // section "101" is not a course key: nothing planned, and only the three day folders of that section listed.
    expect([...new Set(listed)].sort()).toEqual([
      'firehose/section=101/2024/03/04/',
      'firehose/section=101/2024/03/05/',
      'firehose/section=101/2024/03/06/',
    ]);
    listed.length = 0;
    const one = await runBulk(
      w.rt,
      bulkPayloadSchema.parse({ mode: 'bulk', section_id: COURSE('101'), ...RANGE }),
    );
    expect([...new Set(listed)].sort()).toEqual(
      ['04', '05', '06'].map((d) => `firehose/section=${COURSE('101')}/2024/03/${d}/`),
    );
    expect(one.files_processed).toBe(shape.files.filter((f) => f.section === COURSE('101')).length);
  });

  it('Vector: --section filters by the statement, and the rest of each file stays to load', async () => {
    const shape = SHAPES[1] as Shape;
    const w = await world(shape);
    const listed = countListings(w.rt);
    const one = await runBulk(
      w.rt,
      bulkPayloadSchema.parse({ mode: 'bulk', section_id: COURSE('101'), ...RANGE }),
    );
    expect(one.success).toBe(true);
    // One listing per day (hours below it in one go), whatever the section: it is not in the key.
    expect([...new Set(listed)].sort()).toEqual(['04', '05', '06'].map((d) => `xapi/2024/03/${d}/`));
    const sections = await w.query<{ s: string; n: string }>(
      'SELECT section_id AS s, count() AS n FROM statements FINAL GROUP BY s ORDER BY s',
    );
    expect(sections.map((r) => r.s)).toEqual([COURSE('101')]);
    const expected101 = BUNDLES.filter((b) => b.section === COURSE('101')).reduce(
      (n, b) => n + b.statements.length,
      0,
    );
    expect(Number(sections[0]?.n)).toBe(expected101);
    // Again for the section: nothing new. Then the whole range: the other section, and the rejected records, load.
    const again = await runBulk(
      w.rt,
      bulkPayloadSchema.parse({ mode: 'bulk', section_id: COURSE('101'), ...RANGE }),
    );
    expect(again).toMatchObject({ files_processed: 0, files_skipped: shape.files.length });
    const all = await runBulk(w.rt, bulkPayloadSchema.parse({ mode: 'bulk', ...RANGE }));
    expect(all.files_processed).toBe(shape.files.length);
    await expectBaselineAnalytics(w);
    const [{ n } = { n: '0' }] = await w.query<{ n: string }>('SELECT count() AS n FROM statements FINAL');
    expect(Number(n)).toBe(BUNDLES.reduce((k, b) => k + b.statements.length, 0));
  });
});
