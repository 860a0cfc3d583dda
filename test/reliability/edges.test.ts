import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanupSuperseded } from '../../src/cleanup/cleanup.js';
import { loadConfig } from '../../src/config/env.js';
import { createHandler, type HandlerResult } from '../../src/lambda/create-handler.js';
import { localContext } from '../../src/lambda/local-context.js';
import { ingest } from '../../src/load/ingest.js';
import { engineThreads } from '../../src/load/insert-settings.js';
import { headObject } from '../../src/plan/s3-objects.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { readMigrationSet } from '../../src/schema/migration-files.js';
import { assertSchemaCurrent } from '../../src/schema/schema-state.js';
import { type LocalS3, startLocalS3 } from '../../src/tools/local-s3/local-s3.js';
import { migrate } from '../../src/upgrade/migrate.js';
import { accountFor, linesOf } from '../helpers/accounting.js';
import { makeBundle } from '../helpers/bundles.js';
import { type CapturedOutput, captureOutput } from '../helpers/capture-output.js';
import { type EngineHttpFront, startEngineHttpFront } from '../helpers/engine-http-front.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';
import { FIXTURES, type Harness, startHarness } from '../helpers/harness.js';

/**
 * Faults at the edges of a load (issue #19), each injected for real: a ledger write that fails after the rows are
 * in (the engine refuses it), a first query of a warm container that fails (a proxy in front of the server
 * answers 503 once), and a database whose schema is behind this version.
 */
describe('a ledger write that fails after the load', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it('reports each file once, failed and retryable; a re-run finishes it with one load of the rows', async () => {
    const keys = ['a', 'b', 'c'].map(
      (k) => `section/l1/video/2024-04-0${k === 'a' ? 1 : k === 'b' ? 2 : 3}T00-00-00.000Z_bundle.jsonl`,
    );
    const bodies = keys.map((_, i) => makeBundle(4 + i, { broken: 1 }));
    for (const [i, key] of keys.entries()) await h.s3.put(h.bucket, key, bodies[i] as string);
    // The engine refuses the ledger's `loaded` rows (241: a failure worth a retry); `loading` and `failed` pass.
    await h.rt.engine.client.command({ query: 'CREATE TABLE ledger_fault_sink (x UInt8) ENGINE = Null' });
    await h.rt.engine.client.command({
      query: `CREATE MATERIALIZED VIEW ledger_fault_mv TO ledger_fault_sink AS
              SELECT throwIf(status = 'loaded', 'injected: the ledger write fails', toInt32(241)) AS x FROM ingested_files
              SETTINGS allow_custom_error_code_in_throwif = 1`,
    });
    const objects = await Promise.all(keys.map((k) => headObject(h.rt.s3, h.bucket, k)));
    const first = await ingest(h.rt, objects, { mode: 'cli' });
    // Each file once: the counts of the load that was written are not reported as well as the failure.
    expect(first.files).toHaveLength(3);
    expect(first.files.map((f) => f.outcome)).toEqual(['failed', 'failed', 'failed']);
    expect(first.files.every((f) => f.retryable === true)).toBe(true);
    expect(first.totals).toMatchObject({ files_failed: 3, files_processed: 0, events_processed: 0 });
    expect(first.retryableFailure).toBe(true);
    for (const key of keys) expect((await accountFor(h, key)).ledger?.status).toBe('failed');

    await h.rt.engine.client.command({ query: 'DROP VIEW ledger_fault_mv' });
    const again = await ingest(h.rt, objects, { mode: 'cli' });
    expect(again.totals).toMatchObject({ files_processed: 3, files_failed: 0 });
    // What is left of the failed loads is deleted off the load path.
    await cleanupSuperseded(h.rt.engine.client);
    for (const [i, key] of keys.entries()) {
      const a = await accountFor(h, key);
      expect(a.ledger?.status).toBe('loaded');
      expect(a.statements + a.rejected).toBe(linesOf(bodies[i] as string));
      // The raw table holds one load of the file: the failed one's rows were replaced, then cleaned up.
      const [raw] = await h.query<{ n: string; loads: string }>(
        'SELECT count() AS n, uniqExact(load_id) AS loads FROM statements WHERE source_key = {key:String}',
        { key },
      );
      expect(Number(raw?.loads)).toBe(1);
      expect(Number(raw?.n)).toBe(a.statements);
    }
  });
});

describe('a first query that fails is not remembered (a warm Lambda recovers)', () => {
  let front: EngineHttpFront;
  let proxy: FaultProxy;
  let s3: LocalS3;
  let rt: Runtime;
  let out: CapturedOutput;

  beforeAll(async () => {
    [front, s3] = await Promise.all([startEngineHttpFront(), startLocalS3()]);
    await s3.createBucket('xapi');
    proxy = await startFaultProxy(front.url);
    const env = {
      CLICKHOUSE_HOST: proxy.endpoint,
      CLICKHOUSE_USERNAME: front.user,
      CLICKHOUSE_PASSWORD: front.password,
      CLICKHOUSE_DATABASE: 'edges',
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      S3_XAPI_BUCKET_NAME: 'xapi',
    };
    rt = await createRuntime(loadConfig({ ...process.env, ...env }));
    await migrate(rt.engine.client, { target: rt.engine.schema });
    out = captureOutput();
  }, 120_000);
  afterAll(async () => {
    out?.restore();
    await rt?.close();
    await proxy?.close();
    await s3?.close();
    await front?.stop();
  });

  const failOnce = (text: string) =>
    proxy.setRules([
      { match: (r) => r.body.includes(text), action: { kind: 'status', status: 503 }, times: 1 },
    ]);

  it('the schema check: a failed read fails one invocation, the next one checks again and loads', async () => {
    const key = 'section/e1/video/2024-05-01T00-00-00.000Z_bundle.jsonl';
    await s3.put('xapi', key, makeBundle(3));
    failOnce('FROM system.tables WHERE database = currentDatabase()');
    const handler = createHandler({ runtime: async () => rt });
    const error = await handler({ bucket: 'xapi', key }, localContext()).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    const next = (await handler({ bucket: 'xapi', key }, localContext())) as HandlerResult;
    expect(next).toMatchObject({ success: true, files_processed: 1, events_processed: 3 });
  });

  it('the engine thread count: a failed question is asked again', async () => {
    const client = (await createRuntime(loadConfig({ ...process.env, ...envOf(rt, proxy, front) }))).engine
      .client;
    failOnce("getSetting('max_threads')");
    await expect(engineThreads(client, undefined)).rejects.toThrow();
    await expect(engineThreads(client, undefined)).resolves.toBeGreaterThan(0);
    await expect(assertSchemaCurrent(client, 'edges')).resolves.toBeUndefined();
    await client.close();
  });
});

function envOf(rt: Runtime, proxy: FaultProxy, front: EngineHttpFront): Record<string, string> {
  return {
    CLICKHOUSE_HOST: proxy.endpoint,
    CLICKHOUSE_USERNAME: front.user,
    CLICKHOUSE_PASSWORD: front.password,
    CLICKHOUSE_DATABASE: rt.engine.database,
  };
}

describe('a schema behind this version', () => {
  let h: Harness;
  let out: CapturedOutput;
  beforeAll(async () => {
    h = await startHarness({ migrate: false });
    out = captureOutput();
  });
  afterAll(async () => {
    out?.restore();
    await h?.close();
  });

  it('is refused at once, not retried, nothing claimed; after migrate a backfill over the window loads it once', async () => {
    // The schema v0.1.0 made (its migrations, kept as a fixture): this version's code deployed before migrate.
    await migrate(h.rt.engine.client, { set: readMigrationSet(`${FIXTURES}/v0.1.0/migrations`) });
    const keys = [1, 2].map((d) => `section/sb/video/2024-06-0${d}T00-00-00.000Z_bundle.jsonl`);
    for (const key of keys) await h.s3.put(h.bucket, key, makeBundle(5));
    const handler = createHandler({ runtime: async () => h.rt });
    const started = performance.now();
    const answer = (await handler({ bucket: h.bucket, key: keys[0] }, localContext())) as HandlerResult & {
      error?: { code: string; retryable: boolean; message: string };
    };
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(answer).toMatchObject({ success: false, events_processed: 0 });
    expect(answer.error).toMatchObject({ code: 'SCHEMA_BEHIND', retryable: false });
    const latest = readMigrationSet().versioned.at(-1)?.version;
    expect(answer.error?.message).toMatch(
      new RegExp(`at schema version 2, this xapi-etl needs ${latest} .*run \`xapi-etl migrate\``),
    );
    // From SQS the messages go back to the queue.
    const sqs = (await handler(
      {
        Records: keys.map((key, i) => ({
          messageId: `m${i}`,
          eventSource: 'aws:sqs',
          body: JSON.stringify({
            Records: [
              {
                eventSource: 'aws:s3',
                eventName: 'ObjectCreated:Put',
                s3: { bucket: { name: h.bucket }, object: { key } },
              },
            ],
          }),
        })),
      },
      localContext(),
    )) as HandlerResult;
    expect(sqs.batchItemFailures).toEqual([{ itemIdentifier: 'm0' }, { itemIdentifier: 'm1' }]);
    const [claims] = await h.query<{ n: string }>('SELECT count() AS n FROM file_claims');
    expect(Number(claims?.n)).toBe(0);

    // The runbook: migrate, then a backfill over the window.
    await migrate(h.rt.engine.client);
    const backfill = (await handler(
      { mode: 'bulk', section_id: 'sb', start_date: '2024-06-01', end_date: '2024-06-02' },
      localContext(),
    )) as HandlerResult;
    expect(backfill).toMatchObject({ success: true, files_processed: 2, events_processed: 10 });
    const again = (await handler(
      { mode: 'bulk', section_id: 'sb', start_date: '2024-06-01', end_date: '2024-06-02' },
      localContext(),
    )) as HandlerResult;
    expect(again).toMatchObject({ success: true, files_processed: 0, files_skipped: 2 });
  });
});
