import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/load/ingest.js';
import { headObject } from '../../src/plan/s3-objects.js';
import { type Harness, RALPH_SAMPLE, startHarness } from '../helpers/harness.js';

describe('ingestion core (chDB + s3rver)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('loads the ralph sample once, skips it the second time, and a forced reload leaves no duplicates', async () => {
    const key = 'section/123/video/2021-11-24T00-00-00.000Z_bundle.jsonl';
    await h.s3.put(h.bucket, key, fs.readFileSync(RALPH_SAMPLE));
    const object = await headObject(h.rt.s3, h.bucket, key);

    const first = await ingest(h.rt, [object], { mode: 'event' });
    expect(first.totals).toMatchObject({
      files_processed: 1,
      files_skipped: 0,
      events_processed: 1059,
      events_rejected: 0,
    });
    expect(first.totals.video_events_processed).toBeGreaterThan(1000);

    const second = await ingest(h.rt, [object], { mode: 'event' });
    expect(second.totals).toMatchObject({ files_processed: 0, files_skipped: 1, events_processed: 0 });

    const forced = await ingest(h.rt, [object], { mode: 'event', force: true });
    expect(forced.totals.events_processed).toBe(1059);
    const [row] = await h.query<{ n: string }>(
      'SELECT count() AS n FROM statements FINAL WHERE source_key = {key:String}',
      { key },
    );
    expect(Number(row?.n)).toBe(1059);
    const [ledger] = await h.query<{ status: string; statements: string }>(
      'SELECT status, statements FROM ingested_files FINAL WHERE key = {key:String}',
      { key },
    );
    expect(ledger?.status).toBe('loaded');
    expect(Number(ledger?.statements)).toBe(1059);
  });

  it('rejects broken lines with reason and position, loaded + rejected = lines', async () => {
    const key = 'section/7/quiz/2024-01-01T00-00-00.000Z_bundle.jsonl';
    const good = (n: number) =>
      JSON.stringify({
        actor: { mbox: `mailto:learner${n}@Example.com` },
        verb: { id: 'http://adlnet.gov/expapi/verbs/answered' },
        object: { id: `http://example.com/q/${n}` },
      });
    const body = [good(1), '{"actor": broken', good(2), '[1,2,3]', good(3)].join('\n');
    await h.s3.put(h.bucket, key, body);
    const result = await ingest(h.rt, [await headObject(h.rt.s3, h.bucket, key)], { mode: 'event' });
    expect(result.totals).toMatchObject({ events_processed: 3, events_rejected: 2, lines: 5 });
    const rejected = await h.query<{ line_number: string; reason: string; section_id: string }>(
      'SELECT line_number, reason, section_id FROM rejected_statements WHERE source_key = {key:String} ORDER BY line_number',
      { key },
    );
    expect(rejected.map((r) => ({ ...r, line_number: Number(r.line_number) }))).toEqual([
      { line_number: 2, reason: 'invalid_json', section_id: '7' },
      { line_number: 4, reason: 'not_an_object', section_id: '7' },
    ]);
  });
});
