import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { createHandler } from '../../src/lambda/create-handler.js';
import { localContext } from '../../src/lambda/local-context.js';
import { createRuntime } from '../../src/runtime.js';
import type { S3NotificationEvent } from '../../src/tools/local-s3/local-s3.js';
import { awsEncodeKey, makeBundle } from '../helpers/bundles.js';
import { type CapturedOutput, captureOutput } from '../helpers/capture-output.js';
import { closedPort } from '../helpers/closed-port.js';
import { type Harness, startHarness } from '../helpers/harness.js';

const EXAMPLES = path.resolve(import.meta.dirname, '../../examples');
const example = (name: string) => JSON.parse(fs.readFileSync(path.join(EXAMPLES, name), 'utf8'));
const SECRET_PASSWORD = 'pw-7f3a9c2e-never-print-me';

describe('Lambda handler, event mode (chDB + s3rver)', () => {
  let h: Harness;
  let out: CapturedOutput;
  let handler: ReturnType<typeof createHandler>;
  const notifications: S3NotificationEvent[] = [];

  beforeAll(async () => {
    h = await startHarness({ env: { CLICKHOUSE_PASSWORD: SECRET_PASSWORD } });
    h.s3.onObjectCreated((e) => notifications.push(e));
    handler = createHandler({ runtime: async () => h.rt });
    out = captureOutput();
  });
  beforeEach(() => out.clear());
  afterAll(async () => {
    out?.restore();
    await h?.close();
  });

  async function ledgerStatus(key: string) {
    const [row] = await h.query<{ status: string; statements: number }>(
      'SELECT toString(status) AS status, statements FROM ingested_files FINAL WHERE key = {key:String}',
      { key },
    );
    return row ? { status: row.status, statements: Number(row.statements) } : undefined;
  }

  it('direct {bucket, key}: loads the file, logs and emits metrics; a second delivery is skipped', async () => {
    const payload = example('event-direct.json');
    await h.s3.put(h.bucket, payload.key, makeBundle(4, { broken: 1, video: true }));
    const context = localContext();
    const result = await handler(payload, context);
    expect(result).toMatchObject({
      success: true,
      processing_mode: 'event',
      section_id: '101',
      events_processed: 4,
      video_events_processed: 4,
      events_rejected: 1,
      files_processed: 1,
      files_skipped: 0,
      request_id: context.awsRequestId,
    });
    expect(await ledgerStatus(payload.key)).toEqual({ status: 'loaded', statements: 4 });

    const [emf] = out.emf();
    expect(emf).toBeDefined();
    const aws = emf?._aws as {
      CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
    };
    expect(aws.CloudWatchMetrics[0]?.Namespace).toBe('xapi-etl');
    // Totals per mode; the section as metadata, not a dimension (a metric per section would cost 7 each).
    expect(aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['service', 'processing_mode']]);
    expect(emf?.section_id).toBe(payload.key.split('/')[1]);
    expect(aws.CloudWatchMetrics[0]?.Metrics.map((m) => m.Name).sort()).toEqual(
      [
        'duration',
        'events_processed',
        'events_rejected',
        'files_processed',
        'files_skipped',
        'success',
        'video_events_processed',
      ].sort(),
    );
    expect(emf).toMatchObject({
      processing_mode: 'event',
      section_id: '101',
      events_processed: 4,
      video_events_processed: 4,
      events_rejected: 1,
      files_processed: 1,
      files_skipped: 0,
      success: 1,
      request_id: context.awsRequestId,
    });
    const log = out.logs().find((l) => l.message === 'invocation finished');
    expect(log).toMatchObject({
      level: 'INFO',
      service: 'xapi-etl-processor',
      function_request_id: context.awsRequestId,
      processing_mode: 'event',
      section_id: '101',
      events_processed: 4,
      files_processed: 1,
      objects: [{ bucket: 'xapi', key: payload.key, outcome: 'loaded' }],
    });
    expect(typeof log?.duration_ms).toBe('number');

    out.clear();
    const again = await handler(payload, localContext());
    expect(again).toMatchObject({ success: true, files_processed: 0, files_skipped: 1, events_processed: 0 });
    expect(out.emf()[0]).toMatchObject({ files_skipped: 1, files_processed: 0, success: 1 });
  });

  it('real s3rver notifications, keys URL-encoded as AWS sends them, several records in one event', async () => {
    const keys = [
      'section/321/video/2024-03-01T10-00-00.000Z_bundle (copy) été+1.jsonl',
      'section/321/quiz/2024-03-01T11-00-00.000Z_bundle.jsonl',
    ];
    notifications.length = 0;
    await h.s3.put(h.bucket, keys[0] as string, makeBundle(3, { video: true }));
    await h.s3.put(h.bucket, keys[1] as string, makeBundle(2));
    await waitFor(() => notifications.length >= 2);
    const records = notifications.flatMap((n) => n.Records);
    // s3rver leaves the key raw; AWS URL-encodes it (space as "+"): feed the handler what AWS sends.
    expect(records.map((r) => r.s3.object.key)).toEqual(keys);
    const awsEvent = {
      Records: records.map((r) => ({
        ...r,
        s3: { ...r.s3, object: { ...r.s3.object, key: awsEncodeKey(r.s3.object.key) } },
      })),
    };
    expect(awsEvent.Records[0]?.s3.object.key).toContain('+%C3%A9t%C3%A9%2B1.jsonl');

    const result = await handler(awsEvent, localContext());
    expect(result).toMatchObject({
      success: true,
      processing_mode: 'event',
      section_id: '321',
      events_processed: 5,
      video_events_processed: 3,
      files_processed: 2,
    });
    for (const key of keys) expect((await ledgerStatus(key))?.status).toBe('loaded');
  });

  it('EventBridge "Object Created" (the example payload)', async () => {
    const payload = example('event-eventbridge.json');
    await h.s3.put(h.bucket, payload.detail.object.key, makeBundle(2));
    const result = await handler(payload, localContext());
    expect(result).toMatchObject({
      success: true,
      events_processed: 2,
      files_processed: 1,
      section_id: '104',
    });
  });

  it('SQS-wrapped notifications: partial batch response, bad messages acknowledged and reported', async () => {
    const payload = example('event-sqs.json');
    const goodKey = JSON.parse(payload.Records[0].body).Records[0].s3.object.key;
    expect(goodKey).toBe('section/101/video/2024-03-05T20-42-20.597Z_bundle.jsonl');
    await h.s3.put(h.bucket, goodKey, makeBundle(3));
    const missing = {
      eventSource: 'aws:sqs',
      messageId: 'msg-missing-object',
      body: JSON.stringify({
        Records: [
          {
            eventSource: 'aws:s3',
            eventName: 'ObjectCreated:Put',
            s3: { bucket: { name: h.bucket }, object: { key: 'section/101/video/deleted+since.jsonl' } },
          },
        ],
      }),
    };
    const garbage = { eventSource: 'aws:sqs', messageId: 'msg-garbage', body: '<xml/>' };
    const result = await handler({ Records: [...payload.Records, missing, garbage] }, localContext());
    expect(result).toMatchObject({
      processing_mode: 'event',
      success: false,
      events_processed: 3,
      files_processed: 1,
      files_failed: 1,
      ignored_records: 1,
      // Neither a missing object nor a garbage message gets better on retry: nothing is redelivered.
      batchItemFailures: [],
      bad_messages: [{ message_id: 'msg-garbage', error: 'message body is not JSON' }],
    });
    expect(out.logs().some((l) => l.level === 'ERROR' && l.message_id === 'msg-garbage')).toBe(true);
    expect(out.emf()[0]).toMatchObject({ success: 0, files_processed: 1 });
  });

  it('a bad payload is answered at once (no throw, so no retries) with the reason', async () => {
    const result = await handler({ bucket: 'xapi', key: 'k.jsonl', section_id: '1' }, localContext());
    expect(result).toMatchObject({ success: false, processing_mode: 'event', files_processed: 0 });
    expect(result).toHaveProperty('error.code', 'INPUT_INVALID');
    expect(JSON.stringify(result)).toContain('unknown field \\"section_id\\"');
    expect(out.emf()[0]).toMatchObject({ processing_mode: 'event', success: 0 });
    const nonsense = await handler(42, localContext());
    expect(nonsense).toMatchObject({ success: false, processing_mode: null });
    expect(out.emf()[1]).toMatchObject({ processing_mode: 'invalid', success: 0 });
  });

  it('ClickHouse unreachable: the handler throws (Lambda retries, then the DLQ); no secret in any output', async () => {
    const port = await closedPort();
    const broken = createHandler({
      runtime: () =>
        createRuntime(
          loadConfig({
            ...process.env,
            ...h.env,
            CLICKHOUSE_HOST: '127.0.0.1',
            CLICKHOUSE_PORT: String(port),
            CLICKHOUSE_PASSWORD: SECRET_PASSWORD,
          }),
        ),
    });
    const error = await broken(example('event-direct.json'), localContext()).catch((e: Error) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(
      /^ENGINE_FAILED: ClickHouse at http:\/\/127\.0\.0\.1:\d+ is unreachable/,
    );
    expect((error as Error).message).not.toContain(SECRET_PASSWORD);
    expect(out.logs().find((l) => l.level === 'ERROR')).toMatchObject({
      message: 'invocation failed, will be retried',
      error_code: 'ENGINE_FAILED',
      retryable: true,
    });
    expect(out.emf()[0]).toMatchObject({ processing_mode: 'event', success: 0 });
  });

  it('no secret (ClickHouse password, S3 secret key) appears in anything printed by these tests', () => {
    // Runs last: `out` has been cleared between tests, so re-run a load with everything captured.
    return (async () => {
      const all = captureOutput();
      try {
        const key = 'section/55/video/2024-05-01T00-00-00.000Z_bundle.jsonl';
        await h.s3.put(h.bucket, key, makeBundle(1));
        const result = await handler({ bucket: h.bucket, key }, localContext());
        const text = all.text() + JSON.stringify(result);
        expect(text.length).toBeGreaterThan(100);
        for (const secret of [SECRET_PASSWORD, process.env.AWS_SECRET_ACCESS_KEY as string]) {
          expect(text).not.toContain(secret);
        }
      } finally {
        all.restore();
      }
    })();
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}
