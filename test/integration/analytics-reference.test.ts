import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { splitStatements } from '../../src/schema/migration-files.js';
import { SeededRandom } from '../../src/tools/generate/random.js';
import { migrate } from '../../src/upgrade/migrate.js';
import {
  type Dataset,
  loadKeys,
  putDataset,
  type Rows,
  snapshot,
  VIEWS,
  withBatches,
} from '../helpers/analytics-views.js';
import { type Harness, startHarness } from '../helpers/harness.js';

/**
 * Same data, same numbers. The analytics are maintained per load (migration 0001); the reference is the
 * query-time SQL of the first version (test/reference/query-time-analytics.sql), computed from the raw
 * rows at the end. Every public view must equal its reference row by row, after loads in order, in
 * reverse (voiding statements before their targets), and shuffled in odd batches with re-deliveries in
 * other files, forced reloads and the whole set delivered twice; and the three must give the same rows.
 */
async function useFreshDatabase(h: Harness, name: string): Promise<void> {
  await h.rt.engine.client.command({ query: `CREATE DATABASE IF NOT EXISTS ${name}` });
  await h.rt.engine.client.command({ query: `USE ${name}` });
  await migrate(h.rt.engine.client);
  const reference = fs.readFileSync(
    path.join(import.meta.dirname, '../reference/query-time-analytics.sql'),
    'utf8',
  );
  for (const statement of splitStatements(reference)) await h.rt.engine.client.command({ query: statement });
}

describe('maintained analytics = the query-time reference, whatever the order of arrival', () => {
  let h: Harness;
  let data: Dataset;
  const results: Record<string, Record<string, Rows>> = {};

  beforeAll(async () => {
    h = await startHarness();
    data = await putDataset(h);
  }, 120_000);
  afterAll(async () => {
    for (const db of ['ref_in_order', 'ref_reversed', 'ref_shuffled']) {
      await h.rt.engine.client.command({ query: `DROP DATABASE IF EXISTS ${db}` });
    }
    await h?.close();
  });

  const expectReference = async (scenario: string) => {
    const maintained = await snapshot(h);
    const reference = await snapshot(h, 'ref_');
    for (const v of VIEWS) {
      expect(maintained[v.name], `${v.name} (${scenario})`).toEqual(reference[v.name]);
    }
    results[scenario] = maintained;
    return maintained;
  };

  it('one file per load, in key order (voiding after its target)', async () => {
    await useFreshDatabase(h, 'ref_in_order');
    for (const key of data.keys) await loadKeys(h.rt, h, [key]);
    const rows = await expectReference('in order');
    // The data exercises what it should: several sections, voiding, drop-offs, seeks, re-watching.
    expect(rows.section_video_completion?.length).toBeGreaterThanOrEqual(5);
    expect(rows.video_drop_off?.length).toBeGreaterThan(0);
    expect(rows.video_seek_hotspots?.length).toBeGreaterThan(0);
    const [voided] = await h.query<{ n: string }>('SELECT count() AS n FROM voided_ids');
    expect(Number(voided?.n)).toBeGreaterThanOrEqual(9 + 19);
  }, 300_000);

  it('everything in one batch, in reverse (voiding before its target)', async () => {
    await useFreshDatabase(h, 'ref_reversed');
    await loadKeys(withBatches(h.rt, 5000), h, [...data.keys].reverse());
    await expectReference('reversed');
    expect(results.reversed).toEqual(results['in order']);
  }, 300_000);

  it('shuffled, in batches of 7, re-delivered in other files, force-reloaded, and everything twice', async () => {
    await useFreshDatabase(h, 'ref_shuffled');
    const rng = new SeededRandom('shuffle');
    const shuffled = rng.shuffle([...data.keys, ...data.redeliveries]);
    const rt = withBatches(h.rt, 7);
    await loadKeys(rt, h, shuffled);
    await loadKeys(rt, h, rng.shuffle([...data.keys]).slice(0, 5), { force: true });
    await loadKeys(rt, h, rng.shuffle([...data.keys]), { force: true });
    await expectReference('shuffled');
    expect(results.shuffled).toEqual(results['in order']);
  }, 300_000);
});
