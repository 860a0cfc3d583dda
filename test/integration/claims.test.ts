import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runningMarkers } from '../../src/engine/running-queries.js';
import {
  claimBatch,
  claimVersions,
  decide,
  readVersionStates,
  type VersionState,
} from '../../src/ledger/claims.js';
import { versionId } from '../../src/ledger/file-version.js';
import { recordFiles } from '../../src/ledger/ledger.js';
import type { SourceObject } from '../../src/plan/source-object.js';
import { type Harness, startHarness } from '../helpers/harness.js';

/**
 * The claim protocol on the real engine, its steps interleaved by hand: two claimants of one version (one
 * wins, whatever the order of their reads), a claim whose deduplication must hold across INSERTs, and the
 * takeover of a load that died only once its lease is over and its queries are gone.
 */
describe('file claims', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  const version = (): SourceObject => ({
    kind: 's3',
    bucket: 'xapi',
    key: `section/1/video/${randomUUID()}.jsonl`,
    etag: 'etag-1',
    size: 10,
  });
  const owner = (name: string, leaseMs = 60_000) => ({ owner: name, leaseMs });

  it('two claimants who both saw no claim: exactly one wins generation 1', async () => {
    const v = version();
    // Both read first (nobody has claimed), then both insert: the race the deduplication token settles.
    const seenByA = decide(
      (await readVersionStates(h.rt.engine.client, [v])).get(key(v)) as never,
      'A',
      false,
    );
    const seenByB = decide(
      (await readVersionStates(h.rt.engine.client, [v])).get(key(v)) as never,
      'B',
      false,
    );
    expect(seenByA).toEqual({ kind: 'claim', generation: 1, earlier: [] });
    expect(seenByB).toEqual(seenByA);
    const a = await claimVersions(
      h.rt.engine.client,
      [{ object: v, generation: 1, earlier: [] }],
      owner('A'),
      'qa',
    );
    const b = await claimVersions(
      h.rt.engine.client,
      [{ object: v, generation: 1, earlier: [] }],
      owner('B'),
      'qb',
    );
    expect(a).toHaveLength(1);
    expect(b).toEqual([]);
    const rows = await h.query<{ n: string }>('SELECT count() AS n FROM file_claims WHERE key = {k:String}', {
      k: v.key,
    });
    expect(Number(rows[0]?.n)).toBe(1);
    // A third claimant now sees A's unfinished load and leaves it alone.
    const state = (await readVersionStates(h.rt.engine.client, [v])).get(key(v));
    expect(decide(state as never, 'C', false)).toEqual({ kind: 'in_progress', by: 'A' });
  });

  it('claims many versions at once, each in its own deduplicated INSERT', async () => {
    const vs = Array.from({ length: 40 }, version);
    const wanted = vs.map((object) => ({ object, generation: 1, earlier: [] }));
    const [a, b] = await Promise.all([
      claimVersions(h.rt.engine.client, wanted, owner('A'), 'qa'),
      claimVersions(h.rt.engine.client, wanted, owner('B'), 'qb'),
    ]);
    expect((a?.length ?? 0) + (b?.length ?? 0)).toBe(40);
    const won = new Set([...(a ?? []), ...(b ?? [])].map((c) => c.object.key));
    expect(won.size).toBe(40);
  });

  it('the embedded engine arbitrates in the process: concurrent batches of the same versions, each won once', async () => {
    const vs = Array.from({ length: 40 }, version);
    const target = { client: h.rt.engine.client, inProcess: { scope: `claims-test-${randomUUID()}` } };
    // Three overlapping batches at once: two the same, one half of them.
    const [a, b, c] = await Promise.all([
      claimBatch(target, vs, owner('A'), 'qa', false),
      claimBatch(target, vs, owner('B'), 'qb', false),
      claimBatch(target, vs.slice(0, 20), owner('C'), 'qc', false),
    ]);
    const claims = [a, b, c].flatMap((r) => r?.claims ?? []);
    expect(claims).toHaveLength(40);
    expect(new Set(claims.map((x) => x.object.key)).size).toBe(40);
    // What one lost it reports as held by another load, nothing dropped.
    expect([a, b, c].reduce((n, r) => n + (r?.claims.length ?? 0) + (r?.inProgress.length ?? 0), 0)).toBe(
      100,
    );
    const rows = await h.query<{ n: string }>(
      'SELECT count() AS n FROM file_claims WHERE key IN {keys:Array(String)}',
      { keys: vs.map((v) => v.key) },
    );
    expect(Number(rows[0]?.n)).toBe(40);
    // Once loaded, a later batch skips them (and a forced one claims generation 2).
    await recordFiles(
      h.rt.engine.client,
      claims.map((x) => ({
        object: x.object,
        status: 'loaded' as const,
        mode: 'event',
        loadId: x.claimId,
        startedAt: new Date(),
        finishedAt: new Date(),
        counts: { lines: 0, statements: 0, video_events: 0, rejected: 0 },
      })),
    );
    const again = await claimBatch(target, vs, owner('D'), 'qd', false);
    expect(again.loaded).toHaveLength(40);
    const forced = await claimBatch(target, vs.slice(0, 1), owner('D'), 'qd', true);
    expect(forced.claims.map((x) => x.generation)).toEqual([2]);
  });

  it('takes over a dead load once its lease is over, and not while one of its queries runs', async () => {
    const v = version();
    const [dead] = await claimVersions(
      h.rt.engine.client,
      [{ object: v, generation: 1, earlier: [] }],
      owner('crashed', 0),
      `load-${randomUUID()}`,
    );
    expect(dead).toBeDefined();
    await recordFiles(h.rt.engine.client, [
      { object: v, status: 'loading', mode: 'event', loadId: dead?.claimId as string, startedAt: new Date() },
    ]);
    const state = (await readVersionStates(h.rt.engine.client, [v])).get(key(v));
    expect(decide(state as never, 'retry', false)).toEqual({
      kind: 'claim',
      generation: 2,
      earlier: [dead?.claimId],
    });
    // The same while a query of that load still runs (it carries the load's marker as log_comment): leave it.
    const running = h.rt.engine.client.query({
      query: 'SELECT sum(sleepEachRow(0.25)) FROM numbers(8) SETTINGS max_block_size = 1',
      clickhouse_settings: { log_comment: dead?.queryId as string },
    });
    await new Promise((r) => setTimeout(r, 400));
    // (Seen from a second connection: the embedded engine's first one is busy with that query.)
    const seen = await runningMarkers(await h.rt.engine.monitor(), [dead?.queryId as string]);
    await (await running).text();
    expect([...seen]).toEqual([dead?.queryId]);
    const whileRunning = { ...(state as VersionState), running: seen.has(dead?.queryId as string) };
    expect(decide(whileRunning, 'retry', false)).toEqual({ kind: 'in_progress', by: 'crashed' });
    // Once it ended, the takeover goes ahead: generation 2's claim is a row of its own (the deduplication
    // token names the generation; without it the INSERT would be taken for a retry of the dead one's).
    expect([...(await runningMarkers(h.rt.engine.client, [dead?.queryId as string]))]).toEqual([]);
    const taken = await claimVersions(
      h.rt.engine.client,
      [{ object: v, generation: 2, earlier: [dead?.claimId as string] }],
      owner('retry'),
      `load-${randomUUID()}`,
    );
    expect(taken.map((c) => c.generation)).toEqual([2]);
  });
});

const key = versionId;
