import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandler, type HandlerResult } from '../../src/lambda/create-handler.js';
import { localContext } from '../../src/lambda/local-context.js';
import { accountFor } from '../helpers/accounting.js';
import { awsEncodeKey } from '../helpers/bundles.js';
import { type CapturedOutput, captureOutput } from '../helpers/capture-output.js';
import { type Harness, startHarness } from '../helpers/harness.js';

/**
 * Bad input, each with a defined outcome: loaded, rejected with a reason, or a clear error — and for
 * every file, loaded + rejected = the lines (or JSON elements) it holds. Nothing is silently dropped.
 */
const statement = (n: number, extra: Record<string, unknown> = {}) =>
  JSON.stringify({
    actor: { mbox: `mailto:bad${n}@example.org` },
    verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
    object: { id: `http://example.org/bad/${n}` },
    ...extra,
  });

interface Case {
  name: string;
  key: string;
  body: Buffer | string;
  /** Lines (or array elements) in the file, counted by the test, not by the loader. */
  lines: number;
  statements: number;
  /** Rejection reasons in line order. */
  reasons: string[];
}

const TEN_MB = 10 * 1024 * 1024;
const invalidUtf8 = Buffer.concat([
  Buffer.from(`${statement(70)}\n{"actor":{"mbox":"mailto:x@example.org"},"verb":{"id":"http://v/`),
  Buffer.from([0xff, 0xfe, 0xc3]),
  Buffer.from(`"},"object":{"id":"http://o/1"}}\n${statement(71)}\n`),
]);

const CASES: Case[] = [
  {
    name: 'malformed JSON lines',
    key: 'section/bad/quiz/malformed.jsonl',
    body: [statement(1), '{"actor": broken', statement(2), '{"a":1,,}', '}{'].join('\n'),
    lines: 5,
    statements: 2,
    reasons: ['invalid_json', 'invalid_json', 'invalid_json'],
  },
  {
    name: 'a truncated last line (upload cut off, no final newline)',
    key: 'section/bad/quiz/truncated.jsonl',
    body: `${statement(3)}\n${statement(4)}\n${statement(5).slice(0, 40)}`,
    lines: 3,
    statements: 2,
    reasons: ['invalid_json'],
  },
  {
    name: 'an empty file',
    key: 'section/bad/quiz/empty.jsonl',
    body: '',
    lines: 0,
    statements: 0,
    reasons: [],
  },
  {
    name: 'a UTF-8 byte-order mark',
    key: 'section/bad/quiz/bom.jsonl',
    body: `\uFEFF${statement(6)}\n${statement(7)}\n`,
    lines: 2,
    statements: 2,
    reasons: [],
  },
  {
    name: 'CRLF line ends, and blank lines',
    key: 'section/bad/quiz/crlf.jsonl',
    body: `${statement(8)}\r\n\r\n${statement(9)}\r\n{"broken"\r\n`,
    lines: 4,
    statements: 2,
    reasons: ['empty_line', 'invalid_json'],
  },
  {
    name: 'a 10 MB single line',
    key: 'section/bad/video/ten-mb.jsonl',
    body: `${statement(10, { result: { response: 'x'.repeat(TEN_MB) } })}\n${statement(11)}\n`,
    lines: 2,
    statements: 2,
    reasons: [],
  },
  {
    // JSON text must be UTF-8 (RFC 8259): the line is rejected, its bytes kept as they were.
    name: 'invalid UTF-8 inside a JSON string',
    key: 'section/bad/video/invalid-utf8.jsonl',
    body: invalidUtf8,
    lines: 3,
    statements: 2,
    reasons: ['invalid_json'],
  },
  {
    name: 'a gzip-compressed bundle (.jsonl.gz)',
    key: 'section/bad/video/bundle.jsonl.gz',
    body: gzipSync(`${statement(12)}\n${statement(13)}\nnot json\n`),
    lines: 3,
    statements: 2,
    reasons: ['invalid_json'],
  },
  {
    name: 'a JSON array on one line of a .jsonl file',
    key: 'section/bad/quiz/array-in-jsonl.jsonl',
    body: `[${statement(14)},${statement(15)}]\n${statement(16)}\n`,
    lines: 2,
    statements: 1,
    reasons: ['not_an_object'],
  },
  {
    name: 'a pretty-printed JSON array (.json): one statement per element',
    key: 'section/bad/quiz/array.json',
    body: JSON.stringify([JSON.parse(statement(17)), JSON.parse(statement(18)), 42], null, 2),
    lines: 3,
    statements: 2,
    reasons: ['not_an_object'],
  },
  {
    name: 'payloads of the wrong type',
    key: 'section/bad/quiz/wrong-types.jsonl',
    body: [
      '"just a string"',
      '42',
      'null',
      JSON.stringify({ actor: 42, verb: { id: 'http://v' }, object: { id: 'http://o' } }),
      JSON.stringify({ actor: { mbox: 'mailto:a@b.c' }, verb: 'experienced', object: { id: 'http://o' } }),
      JSON.stringify({ actor: { mbox: 'mailto:a@b.c' }, verb: { id: 'http://v' } }),
      JSON.stringify({
        id: 'not-a-uuid',
        actor: { mbox: 'mailto:a@b.c' },
        verb: { id: 'http://v' },
        object: { id: 'o' },
      }),
      statement(19, { timestamp: '2024-13-45T99:00:00Z' }),
      statement(20),
    ].join('\n'),
    lines: 9,
    statements: 1,
    reasons: [
      'not_an_object',
      'not_an_object',
      'not_an_object',
      'missing_actor',
      'missing_verb_id',
      'missing_object',
      'invalid_statement_id',
      'invalid_timestamp',
    ],
  },
  {
    name: 'an unknown event-type folder',
    key: 'section/bad/podcast/2024-01-01T00-00-00.000Z_bundle.jsonl',
    body: `${statement(21)}\n`,
    lines: 1,
    statements: 1,
    reasons: [],
  },
];

describe('bad input: every file gets a defined outcome, every line is accounted for', () => {
  let h: Harness;
  let out: CapturedOutput;
  let handler: ReturnType<typeof createHandler>;
  let bulk: HandlerResult;

  beforeAll(async () => {
    h = await startHarness();
    handler = createHandler({ runtime: async () => h.rt });
    CASES.push(await zstdCase(h));
    for (const c of CASES) await h.s3.put(h.bucket, c.key, c.body);
    out = captureOutput();
    // One backfill of the whole section: every case goes through the same INSERTs.
    bulk = await handler({ mode: 'bulk', section_id: 'bad' }, localContext());
  });
  afterAll(async () => {
    out?.restore();
    await h?.close();
  });

  it('the backfill succeeds and its totals add up to the lines the test wrote', () => {
    const lines = CASES.reduce((n, c) => n + c.lines, 0);
    expect(bulk).toMatchObject({ success: true, files_processed: CASES.length, files_failed: 0 });
    expect(bulk.events_processed + bulk.events_rejected).toBe(lines);
  });

  // By index: the zstd case is made by the engine in beforeAll and appended last.
  it.each(Array.from({ length: CASES.length + 1 }, (_, i) => i))(
    'case %i: outcome and line accounting',
    async (i) => {
      const c = CASES[i] as Case;
      const a = await accountFor(h, c.key);
      expect({ name: c.name, statements: a.statements, reasons: a.reasons }).toEqual({
        name: c.name,
        statements: c.statements,
        reasons: c.reasons,
      });
      expect(a.statements + a.rejected).toBe(c.lines);
      expect(a.ledger).toMatchObject({ status: 'loaded', lines: c.lines, statements: c.statements });
    },
  );

  it('a 10 MB line is stored whole; the invalid UTF-8 line is kept byte for byte with its rejection', async () => {
    const [big] = await h.query<{ n: number }>(
      'SELECT length(raw) AS n FROM statements FINAL WHERE source_key = {k:String} ORDER BY n DESC LIMIT 1',
      { k: 'section/bad/video/ten-mb.jsonl' },
    );
    expect(Number(big?.n)).toBeGreaterThan(TEN_MB);
    const [bytes] = await h.query<{ hex: string }>(
      `SELECT hex(raw) AS hex FROM rejected_statements FINAL WHERE source_key = {k:String} AND line_number = 2`,
      { k: 'section/bad/video/invalid-utf8.jsonl' },
    );
    expect(bytes?.hex).toContain('FFFEC3');
  });

  it('the unknown event type is kept as written; rejected lines keep their raw text and position', async () => {
    const [row] = await h.query<{ section_id: string; event_type: string }>(
      `SELECT section_id, toString(event_type) AS event_type FROM statements FINAL WHERE source_key LIKE '%/podcast/%'`,
    );
    expect(row).toEqual({ section_id: 'bad', event_type: 'podcast' });
    const rejected = await h.query<{ line_number: number; raw: string }>(
      `SELECT line_number, raw FROM rejected_statements FINAL WHERE source_key = {k:String} ORDER BY line_number`,
      { k: 'section/bad/quiz/malformed.jsonl' },
    );
    expect(rejected.map((r) => [Number(r.line_number), r.raw])).toEqual([
      [2, '{"actor": broken'],
      [4, '{"a":1,,}'],
      [5, '}{'],
    ]);
  });

  it('keys outside the layout: an event names the layout and loads nothing, a non-bundle is ignored', async () => {
    const outside = 'exports/2024/dump.jsonl';
    await h.s3.put(h.bucket, outside, `${statement(30)}\n{oops\n`);
    const r = await handler({ bucket: h.bucket, key: outside }, localContext());
    expect(r).toMatchObject({ success: true, files_processed: 0, files_skipped: 1, events_processed: 0 });
    expect(JSON.stringify(r)).toContain(
      'does not match the key layout XAPI_KEY_LAYOUT=section/{section_id}/{event_type}/*',
    );
    const a = await accountFor(h, outside);
    expect(a.statements + a.rejected).toBe(0);
    // A bulk backfill never plans it: it plans section/{id}/{type}/{file} only.
    const plan = await handler({ mode: 'bulk', dry_run: true }, localContext());
    expect(JSON.stringify(plan)).not.toContain('exports/');

    const ignored = await handler({ bucket: h.bucket, key: 'section/bad/quiz/notes.txt' }, localContext());
    expect(ignored).toMatchObject({ success: true, files_processed: 0, files_skipped: 1 });
    expect(JSON.stringify(ignored)).toContain('not a JSONL bundle');
  });

  it('keys with spaces, unicode, +, %, quotes: loaded from the URL-encoded notification, exactly', async () => {
    const key = `section/k 1/vidéo/it's a "test" +50% été.jsonl`;
    await h.s3.put(h.bucket, key, `${statement(31)}\n${statement(32)}\n`);
    const event = {
      Records: [
        {
          eventSource: 'aws:s3',
          eventName: 'ObjectCreated:Put',
          s3: { bucket: { name: h.bucket }, object: { key: awsEncodeKey(key) } },
        },
      ],
    };
    const r = await handler(event, localContext());
    expect(r).toMatchObject({ success: true, files_processed: 1, events_processed: 2, section_id: 'k 1' });
    expect(await accountFor(h, key)).toMatchObject({
      statements: 2,
      rejected: 0,
      ledger: { status: 'loaded' },
    });
    // A key that is not valid URL encoding is a clear, non-retried error.
    const bad = await handler(
      { Records: [{ ...event.Records[0], s3: { bucket: { name: h.bucket }, object: { key: '%E0%A4%A' } } }] },
      localContext(),
    );
    expect(bad).toMatchObject({ success: false, error: { code: 'INPUT_INVALID' } });
    expect(JSON.stringify(bad)).toContain('is not valid URL encoding');
  });

  it.each([
    ['section_id with SQL', { section_id: "123' OR 1=1 --" }, 'section_id'],
    ['section_id with a path', { section_id: '../124' }, 'section_id'],
    ['a date that does not exist', { start_date: '2024-02-30' }, 'start_date'],
    ['a date out of range', { start_date: '20240-01-01' }, 'start_date'],
    ['a month 13', { end_date: '2024-13-01' }, 'end_date'],
    ['end before start', { start_date: '2024-02-01', end_date: '2024-01-31' }, 'end_date'],
    ['section_id of the wrong type', { section_id: true }, 'section_id'],
    ['dry_run of the wrong type', { dry_run: 'yes' }, 'dry_run'],
    ['a prefix with a glob', { s3_prefix: 'section/*/' }, 's3_prefix'],
  ])('bulk payload with %s: rejected at once, naming the field', async (_name, fields, field) => {
    const r = await handler({ mode: 'bulk', ...fields }, localContext());
    expect(r).toMatchObject({ success: false, processing_mode: 'bulk', error: { code: 'INPUT_INVALID' } });
    expect((r as { error: { message: string } }).error.message).toContain(field);
  });

  it.each([
    ['a string', 'process everything'],
    ['an array', [{ bucket: 'xapi', key: 'k.jsonl' }]],
    ['null', null],
    ['a number for the key', { bucket: 'xapi', key: 5 }],
    [
      'an S3 record without a key',
      {
        Records: [
          {
            eventSource: 'aws:s3',
            eventName: 'ObjectCreated:Put',
            s3: { bucket: { name: 'xapi' }, object: {} },
          },
        ],
      },
    ],
  ])('a payload that is %s: rejected at once with the accepted shapes', async (_name, payload) => {
    const r = await handler(payload, localContext());
    expect(r).toMatchObject({ success: false, error: { code: 'INPUT_INVALID', retryable: false } });
    expect((r as { error: { message: string } }).error.message).toContain('Accepted payloads');
  });
});

/** A .jsonl.zst bundle, compressed by ClickHouse itself (Node 20 has no zstd). */
async function zstdCase(h: Harness): Promise<Case> {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-zst-')), 'bundle.jsonl.zst');
  const lines = [statement(40), statement(41), '{"half": '];
  await h.rt.engine.client.command({
    query: `INSERT INTO FUNCTION file({file:String}, 'LineAsString') SELECT arrayJoin({lines:Array(String)})`,
    query_params: { file, lines },
  });
  const body = fs.readFileSync(file);
  expect(body.subarray(0, 4).toString('hex')).toBe('28b52ffd'); // the zstd frame magic number
  return {
    name: 'a zstd-compressed bundle (.jsonl.zst)',
    key: 'section/bad/video/bundle.jsonl.zst',
    body,
    lines: 3,
    statements: 2,
    reasons: ['invalid_json'],
  };
}
