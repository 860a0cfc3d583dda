import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { decodeS3Key, detectMode } from '../../src/lambda/detect-mode.js';

const EXAMPLES = path.resolve(import.meta.dirname, '../../examples');
const example = (name: string): unknown => JSON.parse(fs.readFileSync(path.join(EXAMPLES, name), 'utf8'));

function errorOf(payload: unknown): string {
  try {
    detectMode(payload);
  } catch (error) {
    expect(error).toBeInstanceOf(InputError);
    return (error as Error).message;
  }
  throw new Error('expected the payload to be refused');
}

describe('mode detection on the example payloads', () => {
  it('direct {bucket, key} is an event, key taken as is', () => {
    const d = detectMode(example('event-direct.json'));
    expect(d).toMatchObject({ mode: 'event', source: 'direct' });
    if (d.mode !== 'event') return;
    expect(d.targets).toEqual([
      { bucket: 'xapi', key: 'section/101/video/2024-03-04T20-13-23.331Z_bundle.jsonl' },
    ]);
  });

  it('S3 notification: every record, keys URL-decoded (+ is a space)', () => {
    const d = detectMode(example('event-s3-notification.json'));
    if (d.mode !== 'event') throw new Error(d.mode);
    expect(d.source).toBe('s3');
    expect(d.targets.map((t) => t.key)).toEqual([
      'section/102/video/2024-03-04T15-07-36.619Z_bundle.jsonl',
      'section/103/video/2024-03-04T19-49-23.339Z_bundle.jsonl',
    ]);
    // The examples name keys `xapi-etl generate` writes; AWS encodes a key such as this one:
    const encoded = structuredClone(example('event-s3-notification.json')) as {
      Records: { s3: { object: { key: string } } }[];
    };
    (encoded.Records[0] as { s3: { object: { key: string } } }).s3.object.key =
      'section/123/video/2024-01-02T08-30-00.000Z_bundle+%28retry%29.jsonl';
    const e = detectMode(encoded);
    if (e.mode !== 'event') throw new Error(e.mode);
    expect(e.targets[0]?.key).toBe('section/123/video/2024-01-02T08-30-00.000Z_bundle (retry).jsonl');
  });

  it('EventBridge "Object Created"', () => {
    const d = detectMode(example('event-eventbridge.json'));
    if (d.mode !== 'event') throw new Error(d.mode);
    expect(d.source).toBe('eventbridge');
    expect(d.targets[0]).toMatchObject({
      bucket: 'xapi',
      key: 'section/104/video/2024-03-04T20-00-18.674Z_bundle.jsonl',
    });
  });

  it('SQS: S3 notifications per message, S3 test events ignored', () => {
    const d = detectMode(example('event-sqs.json'));
    if (d.mode !== 'event') throw new Error(d.mode);
    expect(d.source).toBe('sqs');
    expect(d.targets).toEqual([
      {
        bucket: 'xapi',
        key: 'section/101/video/2024-03-05T20-42-20.597Z_bundle.jsonl',
        messageId: '059f36b4-87a3-44ab-83d2-661975830a7d',
      },
    ]);
    expect(d.ignored).toBe(1);
    expect(d.badMessages).toEqual([]);
    expect(d.messageIds).toHaveLength(2);
  });

  it('bulk with mode, and bulk parameters without mode, get defaults', () => {
    const withMode = detectMode(example('bulk.json'));
    expect(withMode).toMatchObject({ mode: 'bulk', payload: { section_id: '101' } });
    const without = detectMode(example('bulk-dry-run-sections.json'));
    expect(without).toMatchObject({
      mode: 'bulk',
      payload: { section_id: ['102', '103'], dry_run: true, force_reprocess: false },
    });
    expect(detectMode({ start_date: '2024-01-01' })).toMatchObject({ mode: 'bulk' });
    expect(detectMode({ mode: 'bulk' })).toMatchObject({ mode: 'bulk', payload: { dry_run: false } });
    expect(detectMode({ section_id: 123 })).toMatchObject({ payload: { section_id: '123' } });
  });

  it('health check', () => {
    expect(detectMode(example('health.json'))).toMatchObject({
      mode: 'health',
      payload: { health_check: true },
    });
  });
});

describe('refused payloads name what is wrong and the accepted shapes', () => {
  it.each([
    [null, 'must be a JSON object, got null'],
    [[1, 2], 'got an array'],
    ['{"bucket":"x"}', 'got string'],
    [{}, 'the payload is empty'],
    [{ hello: 'world' }, 'no mode matches the fields "hello"'],
    [{ mode: 'event' }, 'mode: must be "bulk"'],
    [{ mode: 'bulk', start_date: '2024-13-01' }, 'start_date: is not a calendar date'],
    [{ mode: 'bulk', start_date: '01/02/2024' }, 'start_date: must be a date YYYY-MM-DD'],
    [{ mode: 'bulk', start_date: '2024-02-01', end_date: '2024-01-01' }, 'end_date: is before start_date'],
    [{ mode: 'bulk', section_id: "123' OR 1=1 --" }, 'section_id: must be a section id'],
    [{ mode: 'bulk', section_id: '../124' }, 'section_id: must be a section id'],
    [{ mode: 'bulk', dry_run: 'yes' }, 'dry_run'],
    [{ mode: 'bulk', s3_prefix: 'section' }, 's3_prefix: must be a key prefix ending with "/"'],
    [{ mode: 'bulk', s3_bucket: 'Not_A_Bucket' }, 's3_bucket: must be an S3 bucket name'],
    [{ mode: 'bulk', sectionid: '1' }, 'unknown field "sectionid"'],
    [{ bucket: 'xapi' }, 'key:'],
    [{ bucket: 'xapi', key: 'a.jsonl', force: true }, 'unknown field "force"'],
    [{ health_check: 'yes' }, 'health_check'],
    [{ health_check: true, verbose: true }, 'unknown field "verbose"'],
    [{ Records: [] }, 'Records'],
    [{ Records: [{ eventSource: 'aws:s3' }] }, 'Records.0.eventName'],
    [{ source: 'aws.s3', 'detail-type': 'Object Deleted', detail: {} }, 'detail-type'],
  ])('%j', (payload, problem) => {
    const message = errorOf(payload);
    expect(message).toContain(problem);
    expect(message).toContain('Accepted payloads:');
    expect(message).toContain('{"health_check":true}');
  });

  it('an SQS message that is not an S3 notification is reported, the others still processed', () => {
    const d = detectMode({
      Records: [
        { eventSource: 'aws:sqs', messageId: 'm1', body: 'not json' },
        {
          eventSource: 'aws:sqs',
          messageId: 'm2',
          body: JSON.stringify({
            Records: [
              {
                eventSource: 'aws:s3',
                eventName: 'ObjectCreated:Put',
                s3: { bucket: { name: 'xapi' }, object: { key: 'section/1/video/a+b%2Bc.jsonl' } },
              },
            ],
          }),
        },
      ],
    });
    if (d.mode !== 'event') throw new Error(d.mode);
    expect(d.badMessages).toEqual([{ messageId: 'm1', error: 'message body is not JSON' }]);
    expect(d.targets).toEqual([{ bucket: 'xapi', key: 'section/1/video/a b+c.jsonl', messageId: 'm2' }]);
  });

  it('ObjectRemoved records are ignored, not errors', () => {
    const d = detectMode({
      Records: [
        {
          eventSource: 'aws:s3',
          eventName: 'ObjectRemoved:Delete',
          s3: { bucket: { name: 'xapi' }, object: { key: 'section/1/video/x.jsonl' } },
        },
      ],
    });
    expect(d).toMatchObject({ mode: 'event', targets: [], ignored: 1 });
  });
});

describe('decodeS3Key', () => {
  it('decodes as AWS encodes', () => {
    expect(decodeS3Key('red+flower.jpg')).toBe('red flower.jpg');
    expect(decodeS3Key('a%2Bb%20c%C3%A9')).toBe('a+b cé');
    expect(() => decodeS3Key('bad%E0%A4%A')).toThrow(InputError);
  });
});
