import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler, type HandlerResult } from '../../src/lambda/create-handler.js';
import { localContext } from '../../src/lambda/local-context.js';
import { awsEncodeKey, makeBundle } from '../helpers/bundles.js';
import { type CapturedOutput, captureOutput } from '../helpers/capture-output.js';
import { type Harness, startHarness } from '../helpers/harness.js';

/**
 * Load: 200 S3 notifications handled at the same moment against one engine (as 200 Lambda containers
 * would hit one ClickHouse): 100 files, each notified twice, as S3's at-least-once delivery does. Every
 * file must be loaded exactly once: one claim wins it, the other delivery reports it in progress (or,
 * later, skipped); one `loaded` ledger row per file; every statement, video event and rejection stored
 * once in the raw tables, without FINAL; and the metrics sent count each load once. Run with
 * `npm run test:load`.
 */
const FILES = 100;
const DELIVERIES = 2;
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
    const deliveries = keys.flatMap((key) => Array.from({ length: DELIVERIES }, () => key));
    const results = (await Promise.all(
      deliveries.map((key) =>
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
    const emf = out.emf();
    out.restore();
    const sum = (f: (r: HandlerResult) => number) => results.reduce((n, r) => n + f(r), 0);
    console.log(
      `${deliveries.length} concurrent invocations for ${FILES} files finished in ${ms} ms: ` +
        `${sum((r) => r.files_processed)} loaded, ${sum((r) => r.files_in_progress)} in progress, ` +
        `${sum((r) => r.files_skipped)} skipped`,
    );

    expect(results.filter((r) => !r.success)).toEqual([]);
    // Each file loaded by exactly one delivery; the other one saw the claim or, later, the ledger.
    expect(sum((r) => r.files_processed)).toBe(FILES);
    expect(sum((r) => r.files_in_progress + r.files_skipped)).toBe(FILES * (DELIVERIES - 1));
    expect(sum((r) => r.events_processed)).toBe(FILES * STATEMENTS);
    expect(sum((r) => r.events_rejected)).toBe(FILES * BROKEN);
    // What CloudWatch receives counts each load once too.
    const metric = (name: string) => emf.reduce((n, m) => n + Number(m[name] ?? 0), 0);
    expect([metric('events_processed'), metric('files_processed')]).toEqual([FILES * STATEMENTS, FILES]);

    // Raw tables, no FINAL: one load's rows per file.
    const [row] = await h.query<Record<string, number>>(
      `SELECT
         (SELECT count() FROM ingested_files WHERE status = 'loaded') AS loaded_rows,
         (SELECT uniqExact(key) FROM ingested_files WHERE status = 'loaded') AS loaded_keys,
         (SELECT count() FROM ingested_files FINAL WHERE status != 'loaded') AS not_loaded,
         (SELECT count() FROM file_claims) AS claims,
         (SELECT count() FROM statements) AS statements_raw,
         (SELECT count() FROM statements FINAL) AS statements_final,
         (SELECT count() FROM video_events) AS video_events_raw,
         (SELECT count() FROM rejected_statements) AS rejected_raw`,
    );
    expect(Object.fromEntries(Object.entries(row ?? {}).map(([k, v]) => [k, Number(v)]))).toEqual({
      loaded_rows: FILES,
      loaded_keys: FILES,
      not_loaded: 0,
      claims: FILES,
      statements_raw: FILES * STATEMENTS,
      statements_final: FILES * STATEMENTS,
      video_events_raw: FILES * STATEMENTS,
      rejected_raw: FILES * BROKEN,
    });
  }, 3_600_000);
});
