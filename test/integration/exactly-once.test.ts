import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupSuperseded } from '../../src/cleanup/cleanup.js';
import { createHandler, type HandlerResult } from '../../src/lambda/create-handler.js';
import { localContext } from '../../src/lambda/local-context.js';
import { claimVersions } from '../../src/ledger/claims.js';
import { recordFiles } from '../../src/ledger/ledger.js';
import { loadBatch } from '../../src/load/load-batch.js';
import { resolveS3Access } from '../../src/load/s3-access.js';
import { headObject } from '../../src/plan/s3-objects.js';
import { makeBundle } from '../helpers/bundles.js';
import { type CapturedOutput, captureOutput } from '../helpers/capture-output.js';
import { type Harness, startHarness } from '../helpers/harness.js';

/**
 * Exactly once through the handler, its steps interleaved by hand on the embedded engine: a file another
 * invocation holds, a load that crashed after its INSERT (taken over: at once by its own retry, after the
 * lease by anyone else), and a forced reload. Each time the tables' FINAL view at once, the raw tables (no
 * FINAL) once the cleanup has run, the ledger and the metrics sent show exactly one load.
 */
const STATEMENTS = 6;
const BROKEN = 1;

describe('exactly once: claims through the handler', () => {
  let h: Harness;
  let out: CapturedOutput;
  let handler: ReturnType<typeof createHandler>;

  beforeAll(async () => {
    h = await startHarness();
    handler = createHandler({ runtime: async () => h.rt });
    out = captureOutput();
  });
  afterAll(async () => {
    out?.restore();
    await h?.close();
  });

  const event = (key: string) => ({ bucket: h.bucket, key });
  const put = async (key: string) =>
    h.s3.put(h.bucket, key, makeBundle(STATEMENTS, { broken: BROKEN, video: true }));

  /**
   * What the tables hold for a key, and the ledger's state: with FINAL (what every view reads) as soon as the load
   * returns; without, once the cleanup has deleted what is left of superseded loads (no mutation on the load path).
   */
  async function raw(key: string) {
    const visible = await tables(key, 'FINAL');
    await cleanupSuperseded(h.rt.engine.client);
    const after = await tables(key, '');
    expect(after, 'the raw tables after the cleanup = their FINAL view before it').toEqual(visible);
    return after;
  }
  async function tables(key: string, final: 'FINAL' | '') {
    const [r] = await h.query<Record<string, string>>(
      `SELECT (SELECT count() FROM statements ${final} WHERE source_key = {key:String}) AS statements,
              (SELECT count() FROM video_events ${final} WHERE source_key = {key:String}) AS video_events,
              (SELECT count() FROM rejected_statements ${final} WHERE source_key = {key:String}) AS rejected,
              (SELECT uniqExact(load_id) FROM statements ${final} WHERE source_key = {key:String}) AS loads,
              (SELECT toString(argMax(status, updated_at)) FROM ingested_files WHERE key = {key:String}) AS status,
              (SELECT max(generation) FROM file_claims WHERE key = {key:String}) AS generation`,
      { key },
    );
    return Object.fromEntries(Object.entries(r ?? {}).map(([k, v]) => [k, k === 'status' ? v : Number(v)]));
  }
  const oneLoad = (generation: number) => ({
    statements: STATEMENTS,
    video_events: STATEMENTS,
    rejected: BROKEN,
    loads: 1,
    status: 'loaded',
    generation,
  });
  const sentEvents = () => out.emf().reduce((n, m) => n + Number(m.events_processed ?? 0), 0);

  /** A load that claimed the file and ran its INSERT, then died before the ledger said `loaded`. */
  async function crashAfterInsert(key: string, owner: string, leaseMs: number) {
    const object = await headObject(h.rt.s3, h.bucket, key);
    const marker = randomUUID();
    const [claim] = await claimVersions(
      h.rt.engine.client,
      [{ object, generation: 1, earlier: [] }],
      { owner, leaseMs },
      marker,
    );
    if (!claim) throw new Error('the crashed load should have won its claim');
    await recordFiles(h.rt.engine.client, [
      { object, status: 'loading', mode: 'event', loadId: claim.claimId, startedAt: new Date() },
    ]);
    await loadBatch(
      h.rt,
      [{ object, loadId: claim.claimId }],
      marker,
      'event',
      await resolveS3Access(h.rt.config.s3),
    );
    return claim;
  }

  it('a file another invocation holds is left to it: in progress, zero counts, zero metrics', async () => {
    const key = 'section/e1/video/2024-06-01T00-00-00.000Z_bundle.jsonl';
    await put(key);
    await crashAfterInsert(key, 'invocation-A', 600_000);
    out.clear();
    const b = (await handler(event(key), localContext({ requestId: 'invocation-B' }))) as HandlerResult;
    expect(b).toMatchObject({ success: true, files_processed: 0, files_in_progress: 1, events_processed: 0 });
    expect(sentEvents()).toBe(0);
    // A's retry (Lambda keeps the request id) takes its own load over at once, without its rows twice.
    out.clear();
    const retry = (await handler(event(key), localContext({ requestId: 'invocation-A' }))) as HandlerResult;
    expect(retry).toMatchObject({ success: true, files_processed: 1, events_processed: STATEMENTS });
    expect(await raw(key)).toEqual(oneLoad(2));
    expect(sentEvents()).toBe(STATEMENTS);
  });

  it('a crashed load is taken over by anyone once its lease is over, its rows replaced', async () => {
    const key = 'section/e1/video/2024-06-02T00-00-00.000Z_bundle.jsonl';
    await put(key);
    const crashed = await crashAfterInsert(key, 'invocation-C', 0);
    expect((await raw(key)).statements).toBe(STATEMENTS); // the dead load's rows are there
    out.clear();
    const d = (await handler(event(key), localContext({ requestId: 'invocation-D' }))) as HandlerResult;
    expect(d).toMatchObject({ success: true, files_processed: 1, events_processed: STATEMENTS });
    expect(await raw(key)).toEqual(oneLoad(2));
    const [left] = await h.query<{ n: string }>(
      'SELECT count() AS n FROM statements WHERE load_id = {id:UUID}',
      {
        id: crashed.claimId,
      },
    );
    expect(Number(left?.n)).toBe(0);
    expect(sentEvents()).toBe(STATEMENTS);
  });

  it('a forced reload is a new generation: the raw tables hold its rows only, the analytics are unchanged', async () => {
    const key = 'section/e2/video/2024-06-03T00-00-00.000Z_bundle.jsonl';
    await put(key);
    await handler(event(key), localContext());
    const before = await h.query("SELECT * FROM video_completion WHERE section_id = 'e2'");
    const cli = createHandler({ runtime: async () => h.rt });
    for (let g = 2; g <= 3; g++) {
      // Forced through the bulk mode's force_reprocess, as an operator would.
      const r = (await cli(
        {
          mode: 'bulk',
          section_id: 'e2',
          start_date: '2024-06-03',
          end_date: '2024-06-03',
          force_reprocess: true,
        },
        localContext(),
      )) as HandlerResult;
      expect(r).toMatchObject({ success: true, files_processed: 1, events_processed: STATEMENTS });
      expect(await raw(key)).toEqual(oneLoad(g));
    }
    expect(await h.query("SELECT * FROM video_completion WHERE section_id = 'e2'")).toEqual(before);
  });
});
