import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/load/ingest.js';
import { headObject } from '../../src/plan/s3-objects.js';
import { voidingStatement } from '../../src/tools/generate/statement.js';
import { type Harness, startHarness } from '../helpers/harness.js';

/**
 * Voiding by statement id, whichever section folder each arrived in, whichever arrived first (issue #19), with
 * loads running at the same time: of a void and its target loaded at once, one of the two loads always resolves it.
 */
const statement = (id: string, at = '2024-09-01T10:00:00Z') =>
  JSON.stringify({
    id,
    actor: { mbox: 'mailto:learner@example.org' },
    verb: { id: 'http://adlnet.gov/expapi/verbs/answered' },
    object: { id: 'http://example.com/q/1' },
    timestamp: at,
  });

describe('voiding by statement id across sections', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  const load = async (keys: string[]) =>
    ingest(h.rt, await Promise.all(keys.map((k) => headObject(h.rt.s3, h.bucket, k))), { mode: 'cli' });
  const active = async (ids: string[]) =>
    new Set(
      (
        await h.query<{ id: string }>(
          'SELECT toString(statement_id) AS id FROM statements_active WHERE statement_id IN {ids:Array(UUID)}',
          { ids },
        )
      ).map((r) => r.id),
    );

  it('a void in one folder voids its target in another, whichever arrives first; a voiding statement stays', async () => {
    const [first, later, voider] = [randomUUID(), randomUUID(), randomUUID()];
    await h.s3.put(h.bucket, 'section/t1/quiz/2024-09-01T00-00-00.000Z_a.jsonl', statement(first));
    await load(['section/t1/quiz/2024-09-01T00-00-00.000Z_a.jsonl']);
    // One file of section "ops" voids the statement of t1 (loaded) and one of t2 (not yet), and tries to void
    // a voiding statement.
    const other = randomUUID();
    await h.s3.put(
      h.bucket,
      'section/ops/admin/2024-09-02T00-00-00.000Z_voids.jsonl',
      [
        JSON.stringify(voidingStatement(voider, first, Date.UTC(2024, 8, 2))),
        JSON.stringify(voidingStatement(randomUUID(), later, Date.UTC(2024, 8, 2))),
        JSON.stringify(voidingStatement(other, voider, Date.UTC(2024, 8, 2))),
      ].join('\n'),
    );
    await load(['section/ops/admin/2024-09-02T00-00-00.000Z_voids.jsonl']);
    await h.s3.put(h.bucket, 'section/t2/quiz/2024-09-03T00-00-00.000Z_b.jsonl', statement(later));
    await load(['section/t2/quiz/2024-09-03T00-00-00.000Z_b.jsonl']);
    expect(await active([first, later, voider])).toEqual(new Set([voider]));
    const [days] = await h.query<{ n: string }>(
      "SELECT sum(statements) AS n FROM daily_active_learners WHERE section_id IN ('t1', 't2')",
    );
    expect(Number(days?.n ?? 0)).toBe(0);
  });

  it('loads running at once: every target voided, whatever the interleaving', async () => {
    const pairs = Array.from({ length: 24 }, (_, i) => ({ i, target: randomUUID() }));
    for (const { i, target } of pairs) {
      await h.s3.put(
        h.bucket,
        `section/c${i}/quiz/2024-10-01T00-00-00.000Z_t.jsonl`,
        statement(target, '2024-10-01T00:00:00Z'),
      );
      await h.s3.put(
        h.bucket,
        `section/v${i}/admin/2024-10-01T00-00-00.000Z_v.jsonl`,
        JSON.stringify(voidingStatement(randomUUID(), target, Date.UTC(2024, 9, 1))),
      );
    }
    // Each pair's two files in two loads started together (their queries interleave on the engine).
    // Half the pairs start with the target, half with the void.
    await Promise.all(
      pairs.flatMap(({ i }) => {
        const both = [
          `section/c${i}/quiz/2024-10-01T00-00-00.000Z_t.jsonl`,
          `section/v${i}/admin/2024-10-01T00-00-00.000Z_v.jsonl`,
        ];
        return (i % 2 ? both.reverse() : both).map((key) => load([key]));
      }),
    );
    expect([...(await active(pairs.map((p) => p.target)))]).toEqual([]);
  });
});
