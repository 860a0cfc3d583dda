import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { processFiles } from '../../src/cli/process-files.js';
import { ingest } from '../../src/load/ingest.js';
import { GLOB_MIN_OBJECTS } from '../../src/load/source-sql.js';
import { headObject } from '../../src/plan/s3-objects.js';
import { type Harness, RALPH_SAMPLE, startHarness } from '../helpers/harness.js';

const statement = (n: number) =>
  JSON.stringify({
    actor: { account: { homePage: 'https://lms.example.org/', name: `u${n}` } },
    verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
    object: { id: `http://example.org/a/${n}` },
  });

describe('sources: awkward keys, several files per INSERT, local files', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('loads keys with spaces, unicode, +, %, quotes and glob characters exactly', async () => {
    const keys = [
      'section/s1/video/a b+c%d\'e"é.jsonl',
      'section/s1/video/{star}*?,[x].jsonl',
      'section/s 2/vidéo/plain.jsonl',
    ];
    for (const [i, key] of keys.entries())
      await h.s3.put(h.bucket, key, `${statement(i)}\n${statement(i + 10)}\n`);
    const result = await processFiles(
      h.rt,
      keys.map((k) => `s3://${h.bucket}/${k}`),
    );
    expect(result.totals).toMatchObject({ files_processed: 3, events_processed: 6, events_rejected: 0 });
    const rows = await h.query<{ source_key: string; section_id: string; event_type: string; n: number }>(
      'SELECT source_key, section_id, event_type, count() AS n FROM statements WHERE source_key IN {keys:Array(String)} GROUP BY ALL ORDER BY source_key',
      { keys },
    );
    const byKey = (a: unknown[], b: unknown[]) => (String(a[0]) < String(b[0]) ? -1 : 1);
    expect(rows.map((r) => [r.source_key, r.section_id, r.event_type, Number(r.n)]).sort(byKey)).toEqual(
      [
        ['section/s1/video/a b+c%d\'e"é.jsonl', 's1', 'video', 2],
        ['section/s1/video/{star}*?,[x].jsonl', 's1', 'video', 2],
        ['section/s 2/vidéo/plain.jsonl', 's 2', 'vidéo', 2],
      ].sort(byKey),
    );
  });

  it('loads every bundle under an S3 prefix in one INSERT per batch', async () => {
    // Under a top folder of its own, so that no other test's objects are under the prefix.
    for (let i = 0; i < 12; i++) {
      await h.s3.put(
        h.bucket,
        `prefixed/section/p${i % 3}/quiz/2024-02-0${(i % 9) + 1}T00-00-00.000Z_${i}.jsonl`,
        statement(100 + i),
      );
    }
    await h.s3.put(h.bucket, 'prefixed/section/p0/quiz/notes.txt', 'not a bundle');
    const result = await processFiles(h.rt, [`s3://${h.bucket}/prefixed/`]);
    expect(result.totals.files_processed).toBe(12);
    expect(result.totals.files_skipped).toBe(0);
    const again = await processFiles(h.rt, [`s3://${h.bucket}/prefixed/section/p0/`]);
    expect(again.totals).toMatchObject({ files_processed: 0, files_skipped: 4 });
    // Each file carries its own load id (its claim); the batch's one INSERT is named by one marker.
    const batches = await h.query<{ n: number; files: number }>(
      "SELECT uniqExact(query_id) AS n, uniqExact(claim_id) AS files FROM file_claims WHERE key LIKE 'prefixed/section/p%'",
    );
    expect(batches.map((b) => [Number(b.n), Number(b.files)])).toEqual([[1, 12]]);
  });

  it('a batch of many objects of one folder is read by prefix glob: exactly the planned keys load', async () => {
    const key = (i: number) => `section/g1/video/2024-05-01T${String(i).padStart(5, '0')}_bundle.jsonl`;
    for (let i = 0; i < 160; i++)
      await h.s3.put(h.bucket, key(i), `${statement(1000 + i)}\n${statement(2000 + i)}\n`);
    // Planned: 150 of the 160, so the glob `2024-05-01T00*` also lists 10 keys that must not be read.
    const planned = Array.from({ length: 150 }, (_, i) => key(i));
    expect(GLOB_MIN_OBJECTS).toBeLessThanOrEqual(planned.length);
    const objects = await Promise.all(planned.map((k) => headObject(h.rt.s3, h.bucket, k)));
    const result = await ingest(h.rt, objects, { mode: 'event' });
    expect(result.totals).toMatchObject({ files_processed: 150, events_processed: 300, events_rejected: 0 });
    const [row] = await h.query<{ files: string; n: string }>(
      "SELECT uniqExact(source_key) AS files, count() AS n FROM statements WHERE source_key LIKE 'section/g1/%'",
    );
    expect([Number(row?.files), Number(row?.n)]).toEqual([150, 300]);
    const [unplanned] = await h.query<{ n: string }>(
      'SELECT count() AS n FROM statements WHERE source_key IN {keys:Array(String)}',
      { keys: [150, 155, 159].map(key) },
    );
    expect(Number(unplanned?.n)).toBe(0);
  });

  it('reads local files and folders with file(), gzip included, through the same ledger', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-local-'));
    fs.copyFileSync(RALPH_SAMPLE, path.join(dir, 'ralph.jsonl'));
    fs.writeFileSync(
      path.join(dir, 'small.jsonl.gz'),
      gzipSync(`${statement(1)}\n${statement(2)}\nnot json\n`),
    );
    const first = await processFiles(h.rt, [dir]);
    expect(first.totals).toMatchObject({ files_processed: 2, events_processed: 1061, events_rejected: 1 });
    const again = await processFiles(h.rt, [path.join(dir, 'ralph.jsonl')]);
    expect(again.totals).toMatchObject({ files_processed: 0, files_skipped: 1 });
  });
});
