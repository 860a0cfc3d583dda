import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expireData } from '../../src/retention/expire.js';
import type { Runtime } from '../../src/runtime.js';
import { bundleBody, generateBundles } from '../../src/tools/generate/bundles.js';
import { loadKeys, snapshot } from '../helpers/analytics-views.js';
import { type Harness, type Isolated, startHarness } from '../helpers/harness.js';

/**
 * Retention (issue #19): data older than the retention leaves by whole monthly partitions, not by rewriting parts;
 * the analytics expire with it, so every view equals a load of what is kept.
 */
interface File {
  key: string;
  body: string;
}

function files(seed: string, startDate: string): File[] {
  return [
    ...generateBundles({
      seed,
      sections: 2,
      videosPerSection: 2,
      learnersPerSection: 4,
      days: 20,
      startDate,
      bundleStatements: 80,
      brokenPerSection: 1,
      voidedPerSection: 1,
    }),
  ].map((b) => ({ key: b.key, body: bundleBody(b) }));
}

/** A statement with neither timestamp nor stored: it takes its file's time, and lives in the 1970 partition. */
const undated = (fileTime: string): File => ({
  key: `section/101/quiz/${fileTime}_undated.jsonl`,
  body: `${JSON.stringify({
    id: randomUUID(),
    actor: { mbox: 'mailto:someone@example.org' },
    verb: { id: 'http://adlnet.gov/expapi/verbs/answered' },
    object: { id: 'http://example.com/q/1' },
  })}\n`,
});

describe('retention: whole months leave, and the analytics with them', () => {
  let h: Harness;
  let all: Isolated;
  let kept: Isolated;
  const old = [...files('retention-old', '2023-01-02'), undated('2023-02-01T00-00-00.000Z')];
  const recent = [...files('retention-new', '2025-05-01'), undated('2025-05-20T00-00-00.000Z')];
  const now = new Date('2025-06-30T00:00:00Z');
  const load = async (w: Isolated, set: File[]) => {
    for (const f of set) await h.s3.put(w.bucket, f.key, f.body);
    await loadKeys(
      w.rt as Runtime,
      { ...h, bucket: w.bucket, rt: w.rt } as Harness,
      set.map((f) => f.key),
    );
  };
  const activeParts = async (w: Isolated) =>
    w.query<{ table: string; partition: string; name: string; files: string }>(
      `SELECT table, partition_id AS partition, name, hash_of_all_files AS files FROM system.parts
       WHERE database = currentDatabase() AND active AND table IN ('statements', 'video_events', 'rejected_statements')
       ORDER BY table, name`,
    );

  beforeAll(async () => {
    h = await startHarness();
    all = await h.isolated({ bucket: true });
    kept = await h.isolated({ bucket: true });
    await load(all, [...old, ...recent]);
    await load(kept, recent);
  }, 120_000);
  afterAll(async () => h?.close());

  it('a dry run lists the months that would leave and drops nothing', async () => {
    const before = await activeParts(all);
    const plan = await expireData(all.rt.engine.client, { retentionDays: 365, now, dryRun: true });
    expect(plan.before_month).toBe(202406);
    expect(plan.partitions.statements).toEqual(['202301']);
    expect(plan.partitions.rejected_statements).toEqual(['202301']);
    expect(plan.rows.statements_without_time).toBe(1);
    expect(await activeParts(all)).toEqual(before);
  });

  it('drops the old months whole, leaves every other part as it was, and the views equal a load of what is kept', async () => {
    const before = await activeParts(all);
    const result = await expireData(all.rt.engine.client, { retentionDays: 365, now });
    expect(result.rows.statements).toBeGreaterThan(100);
    const after = await activeParts(all);
    // No part of the dropped months is left; every part of the months kept holds the very same files: nothing
    // was rewritten (the deletion of the undated row, confined to its 1970 partition, renames other parts to a
    // new mutation version, as hard links of the same files).
    expect(after.filter((p) => p.partition < '202406' && p.partition !== '197001')).toEqual([]);
    const keptParts = (parts: typeof before) =>
      parts.filter((p) => p.partition >= '202406').map((p) => `${p.table}/${p.partition}/${p.files}`);
    expect(keptParts(after)).toEqual(keptParts(before));
    expect(keptParts(after).length).toBeGreaterThan(0);

    expect(await snapshot(all as unknown as Harness)).toEqual(await snapshot(kept as unknown as Harness));
    const [rejected] = await all.query<{ n: string }>('SELECT count() AS n FROM rejected_statements FINAL');
    const [rejectedKept] = await kept.query<{ n: string }>(
      'SELECT count() AS n FROM rejected_statements FINAL',
    );
    expect(rejected?.n).toBe(rejectedKept?.n);
    const [record] = await all.query<{ before_month: number; partitions: string[] }>(
      'SELECT before_month, partitions FROM expirations',
    );
    expect(Number(record?.before_month)).toBe(202406);
    expect(record?.partitions).toContain('statements:202301');
  });

  it('a second run finds nothing more to drop', async () => {
    const again = await expireData(all.rt.engine.client, { retentionDays: 365, now });
    expect(Object.values(again.partitions).flat()).toEqual([]);
    expect(again.rows.statements_without_time).toBe(0);
  });

  it('refuses a retention that is not a whole number of days', async () => {
    await expect(expireData(all.rt.engine.client, { retentionDays: 0, now })).rejects.toThrow(/whole number/);
  });
});
