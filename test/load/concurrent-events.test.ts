import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler, type HandlerResult } from '../../src/lambda/create-handler.js';
import { localContext } from '../../src/lambda/local-context.js';
import { awsEncodeKey, makeBundle } from '../helpers/bundles.js';
import { type CapturedOutput, captureOutput } from '../helpers/capture-output.js';
import { type Harness, startHarness } from '../helpers/harness.js';

/**
 * Load: 200 S3 notifications, one file each, handled at the same moment against one engine (as 200
 * Lambda containers would hit one ClickHouse). Every file must be loaded exactly once: one `loaded`
 * ledger row per file, and every statement and rejection stored once — not even a duplicate row
 * waiting for a merge. Run with `npm run test:load`.
 */
const FILES = 200;
const STATEMENTS = 5;
const BROKEN = 1;

describe(`load: ${FILES} concurrent event invocations against one engine`, () => {
  let h: Harness;
  let out: CapturedOutput;
  const keys = Array.from(
    { length: FILES },
    (_, i) =>
      `section/load${i % 10}/video/2024-04-${String((i % 28) + 1).padStart(2, '0')}T00-00-${String(Math.floor(i / 10)).padStart(2, '0')}.000Z_bundle.jsonl`,
  );

  beforeAll(async () => {
    h = await startHarness();
    let next = 0;
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next < keys.length) {
          const key = keys[next++] as string;
          await h.s3.put(h.bucket, key, makeBundle(STATEMENTS, { broken: BROKEN, video: true }));
        }
      }),
    );
    out = captureOutput();
  });
  afterAll(async () => {
    out?.restore();
    await h?.close();
  });

  it('all files loaded exactly once', async () => {
    const handler = createHandler({ runtime: async () => h.rt });
    const started = performance.now();
    const results = (await Promise.all(
      keys.map((key) =>
        handler(
          {
            Records: [
              {
                eventSource: 'aws:s3',
                eventName: 'ObjectCreated:Put',
                s3: { bucket: { name: h.bucket }, object: { key: awsEncodeKey(key) } },
              },
            ],
          },
          localContext(),
        ),
      ),
    )) as HandlerResult[];
    const ms = Math.round(performance.now() - started);
    out.restore();
    console.log(`${FILES} concurrent invocations finished in ${ms} ms`);

    expect(results.filter((r) => !r.success)).toEqual([]);
    expect(results.reduce((n, r) => n + r.files_processed, 0)).toBe(FILES);
    expect(results.reduce((n, r) => n + r.events_processed, 0)).toBe(FILES * STATEMENTS);
    expect(results.reduce((n, r) => n + r.events_rejected, 0)).toBe(FILES * BROKEN);

    const [row] = await h.query<Record<string, number>>(
      `SELECT
         (SELECT count() FROM ingested_files WHERE status = 'loaded') AS loaded_rows,
         (SELECT uniqExact(key) FROM ingested_files WHERE status = 'loaded') AS loaded_keys,
         (SELECT count() FROM ingested_files FINAL WHERE status != 'loaded') AS not_loaded,
         (SELECT count() FROM statements) AS statements_raw,
         (SELECT count() FROM statements FINAL) AS statements_final,
         (SELECT count() FROM video_events FINAL) AS video_events,
         (SELECT count() FROM rejected_statements) AS rejected_raw`,
    );
    expect(Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]))).toEqual({
      loaded_rows: FILES,
      loaded_keys: FILES,
      not_loaded: 0,
      statements_raw: FILES * STATEMENTS,
      statements_final: FILES * STATEMENTS,
      video_events: FILES * STATEMENTS,
      rejected_raw: FILES * BROKEN,
    });
  }, 3_600_000);
});
