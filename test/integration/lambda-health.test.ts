import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { createHandler } from '../../src/lambda/create-handler.js';
import { localContext } from '../../src/lambda/local-context.js';
import { recordFiles } from '../../src/ledger/ledger.js';
import type { HealthModeResult } from '../../src/modes/health.js';
import { createRuntime } from '../../src/runtime.js';
import { readMigrationFiles } from '../../src/schema/migration-files.js';
import { makeBundle } from '../helpers/bundles.js';
import { type CapturedOutput, captureOutput } from '../helpers/capture-output.js';
import { closedPort } from '../helpers/closed-port.js';
import { type Harness, startHarness } from '../helpers/harness.js';

describe('Lambda handler, health check (chDB + s3rver)', () => {
  let h: Harness;
  let out: CapturedOutput;

  /** Each test checks a database and a bucket of its own: what one test breaks, no other one sees. */
  async function world() {
    const w = await h.isolated({ bucket: true });
    const handler = createHandler({ runtime: async () => w.rt });
    const health = async (payload: Record<string, unknown> = {}) =>
      (await handler({ health_check: true, ...payload }, localContext())) as unknown as HealthModeResult;
    return { ...w, health };
  }

  beforeAll(async () => {
    h = await startHarness();
    out = captureOutput();
  });
  afterAll(async () => {
    out?.restore();
    await h?.close();
  });

  it('healthy on an empty bucket: ClickHouse version and latency, schema current, S3 from both sides', async () => {
    const { health, bucket } = await world();
    const r = await health();
    expect(r.reasons).toEqual([]);
    expect(r).toMatchObject({ success: true, processing_mode: 'health' });
    expect(r.checks.clickhouse).toMatchObject({ ok: true, kind: 'embedded' });
    expect(r.checks.clickhouse.version).toMatch(/^\d+\.\d+/);
    expect(typeof r.checks.clickhouse.latency_ms).toBe('number');
    const latest = readMigrationFiles().at(-1)?.version;
    expect(r.checks.schema).toMatchObject({ ok: true, applied_version: latest, latest_version: latest });
    expect(r.checks.s3_from_lambda).toMatchObject({ ok: true, bucket });
    expect(r.checks.s3_from_clickhouse).toMatchObject({ ok: true, lines_read: 0 });
    expect(out.emf().at(-1)).toMatchObject({ processing_mode: 'health', success: 1 });
  });

  it('with a bundle in the bucket, ClickHouse reads its first line through s3()', async () => {
    const { health, bucket } = await world();
    const key = 'section/9/video/2024-01-01T00-00-00.000Z_bundle.jsonl';
    await h.s3.put(bucket, key, makeBundle(3));
    const r = await health();
    expect(r.success).toBe(true);
    expect(r.checks.s3_from_clickhouse).toMatchObject({ ok: true, key, lines_read: 1 });
  });

  it('a bucket that does not exist fails both S3 checks, with reasons', async () => {
    const { health } = await world();
    const r = await health({ s3_bucket: 'no-such-bucket-here' });
    expect(r.success).toBe(false);
    expect(r.checks.s3_from_lambda.ok).toBe(false);
    expect(r.checks.s3_from_clickhouse.ok).toBe(false);
    expect(r.reasons.map((x) => x.split(':')[0])).toEqual(['s3_from_lambda', 's3_from_clickhouse']);
    expect(out.emf().at(-1)).toMatchObject({ processing_mode: 'health', success: 0 });
  });

  it('failed and stuck files in the ledger are reported', async () => {
    const { health, bucket, rt } = await world();
    const object = {
      kind: 's3' as const,
      bucket,
      key: 'section/9/quiz/broken.jsonl',
      etag: 'e1',
      size: 10,
    };
    const stuck = { ...object, key: 'section/9/quiz/stuck.jsonl' };
    await recordFiles(rt.engine.client, [
      {
        object,
        status: 'failed',
        mode: 'event',
        loadId: crypto.randomUUID(),
        startedAt: new Date(),
        error: 'x',
      },
      {
        object: stuck,
        status: 'loading',
        mode: 'bulk',
        loadId: crypto.randomUUID(),
        startedAt: new Date(Date.now() - 2 * 3600_000),
      },
    ]);
    const r = await health();
    expect(r.success).toBe(false);
    expect(r.checks.ledger).toMatchObject({
      ok: false,
      failed_files: 1,
      stuck_files: 1,
      failed_sample: [object.key],
      stuck_sample: [stuck.key],
    });
    expect(r.reasons).toHaveLength(1);
    // A long window: the 2-hour-old `loading` row is not stuck yet.
    expect((await health({ stuck_after_minutes: 600 })).checks.ledger).toMatchObject({ stuck_files: 0 });
  });

  it('a schema behind the latest migration is reported', async () => {
    const { health, rt } = await world();
    await rt.engine.client.command({ query: 'TRUNCATE TABLE schema_migrations' });
    const r = await health();
    expect(r.checks.schema).toMatchObject({ ok: false, applied_version: 0 });
    expect(String(r.checks.schema.error)).toContain('xapi-etl migrate');
  });

  it('ClickHouse unreachable: success false with the reason, S3 still checked, nothing thrown', async () => {
    const port = await closedPort();
    const env = { ...process.env, ...h.env, CLICKHOUSE_HOST: '127.0.0.1', CLICKHOUSE_PORT: String(port) };
    const broken = createHandler({
      runtime: () => createRuntime(loadConfig(env)),
      config: () => loadConfig(env),
    });
    const r = (await broken({ health_check: true }, localContext())) as unknown as HealthModeResult;
    expect(r.success).toBe(false);
    expect(r.checks.clickhouse.error).toMatch(/unreachable/);
    expect(r.checks.s3_from_lambda.ok).toBe(true);
  });
});
