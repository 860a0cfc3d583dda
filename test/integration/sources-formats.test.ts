import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEvent } from '../../src/modes/event.js';
import { type Harness, type Isolated, startHarness } from '../helpers/harness.js';

/**
 * The record shapes and compressions of issue #22 one by one, at their edges: each record loaded or rejected at
 * its position, never merged with its neighbour, never dropped.
 */
const statement = (n: number, extra: Record<string, unknown> = {}) => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  actor: { mbox: `mailto:l${n}@example.org` },
  verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
  object: { id: `http://example.org/a/${n}` },
  timestamp: '2024-03-04T10:00:00.000Z',
  ...extra,
});
const line = (n: number, extra?: Record<string, unknown>) => JSON.stringify(statement(n, extra));

describe('sources: formats and compressions at their edges (chDB + s3rver)', () => {
  let h: Harness;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-formats-'));
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** Bytes compressed by the engine itself (Node has no xz): written with file(), compression by extension. */
  async function compressed(name: string, lines: string[]): Promise<Uint8Array> {
    const file = path.join(tmp, name);
    await h.rt.engine.client.command({
      query: `INSERT INTO FUNCTION file({f:String}, 'LineAsString') SELECT arrayJoin({l:Array(String)})
              SETTINGS engine_file_truncate_on_insert = 1`,
      query_params: { f: file, l: lines },
    });
    return fs.readFileSync(file);
  }

  async function load(w: Isolated, files: Record<string, string | Uint8Array>) {
    for (const [key, body] of Object.entries(files)) await h.s3.put(w.bucket, key, body);
    return runEvent(
      w.rt,
      Object.keys(files).map((key) => ({ bucket: w.bucket, key })),
    );
  }

  /** [line_number, statement id or rejection reason] of one file, in order. */
  async function positions(w: Isolated, key: string): Promise<[number, string][]> {
    const rows = await w.query<{ line: number; what: string }>(
      `SELECT * FROM (
         SELECT line_number AS line, toString(statement_id) AS what FROM statements FINAL WHERE source_key = {k:String}
         UNION ALL
         SELECT line_number AS line, toString(reason) AS what FROM rejected_statements FINAL WHERE source_key = {k:String})
       ORDER BY line`,
      { k: key },
    );
    return rows.map((r) => [Number(r.line), r.what.replace(/^00000000-0000-4000-8000-0*/, '#')]);
  }

  it('xz, zstd and gzip by extension, gzip by content; bzip2 refused per file on the embedded engine', async () => {
    const w = await h.isolated({ bucket: true });
    const r = await load(w, {
      'section/1/t/a.jsonl.xz': await compressed('a.jsonl.xz', [line(1), line(2)]),
      'section/1/t/b.ndjson.zst': await compressed('b.ndjson.zst', [line(3), '{"broken"']),
      'section/1/t/c.log.gz': gzipSync(`${line(4)}\n`),
      'section/1/t/d-no-extension': gzipSync(`${line(5)}\n${line(6)}\n`),
      'section/1/t/e-plain-no-extension': `${line(7)}\n`,
      'section/1/t/f.jsonl.bz2': 'BZh91AY&SY (not loaded)',
    });
    expect(r.files.map((f) => [f.key.slice(12), f.outcome, f.statements, f.rejected])).toEqual([
      ['a.jsonl.xz', 'loaded', 2, 0],
      ['b.ndjson.zst', 'loaded', 1, 1],
      ['c.log.gz', 'loaded', 1, 0],
      ['d-no-extension', 'loaded', 2, 0],
      ['e-plain-no-extension', 'loaded', 1, 0],
      ['f.jsonl.bz2', 'failed', 0, 0],
    ]);
    expect(r.files.at(-1)?.error).toContain('bzip2');
    expect(r.files.at(-1)?.retryable).toBe(false);
    expect(await positions(w, 'section/1/t/b.ndjson.zst')).toEqual([
      [1, '#3'],
      [2, 'invalid_json'],
    ]);
  });

  it('objects concatenated with no separator: cut between records, never inside a string that holds "}{"', async () => {
    const w = await h.isolated({ bucket: true });
    const tricky = line(2, { result: { response: 'a}{b} {c}\n{"not":"a record"}' } });
    const body = `${line(1)}${tricky}  ${line(3)}\n${line(4)}{}${line(5)}{"id":"cut`;
    await load(w, { 'section/1/t/stream': body });
    expect(await positions(w, 'section/1/t/stream')).toEqual([
      [1, '#1'],
      [2, '#2'],
      [3, '#3'],
      [4, '#4'],
      [5, 'not_a_statement'],
      [6, '#5'],
      [7, 'invalid_json'],
    ]);
    const [raw] = await w.query<{ raw: string }>('SELECT raw FROM statements FINAL WHERE line_number = 2');
    expect(raw?.raw).toBe(tricky);
  });

  it('arrays and LRS pages: each element at its index; an empty page is one rejected record, never nothing', async () => {
    const w = await h.isolated({ bucket: true });
    const r = await load(w, {
      'section/1/t/page.json': JSON.stringify({
        statements: [statement(1), 'x', statement(2)],
        more: '/next',
      }),
      'section/1/t/last.json': JSON.stringify({ statements: [], more: '' }),
      'section/1/t/array.json': JSON.stringify([statement(3), null, statement(4)], null, 2),
      'section/1/t/one.json': JSON.stringify(statement(5), null, 2),
    });
    expect(r.files.every((f) => f.outcome === 'loaded')).toBe(true);
    expect(await positions(w, 'section/1/t/page.json')).toEqual([
      [1, '#1'],
      [2, 'not_an_object'],
      [3, '#2'],
    ]);
    expect(await positions(w, 'section/1/t/last.json')).toEqual([[1, 'not_a_statement']]);
    expect(await positions(w, 'section/1/t/array.json')).toEqual([
      [1, '#3'],
      [2, 'not_an_object'],
      [3, '#4'],
    ]);
    expect(await positions(w, 'section/1/t/one.json')).toEqual([[1, '#5']]);
  });

  it('envelopes: the field as a JSON string or an object; a record without it is kept whole; the section from the statement or ""', async () => {
    const w = await h.isolated({
      bucket: true,
      env: {
        XAPI_KEY_LAYOUT: 'events/{yyyy}/{mm}/{dd}/*.log',
        XAPI_STATEMENT_FIELD: 'event',
        XAPI_SECTION_POINTER: '/context/contextActivities/parent/0/id',
      },
    });
    const parent = (id: string) => ({ context: { contextActivities: { parent: [{ id }] } } });
    const key = 'events/2024/03/04/vector.log';
    const lines = [
      JSON.stringify({ event_id: 'e1', event: line(1, parent('course-v1:A+1+r')) }),
      JSON.stringify({ event_id: 'e2', event: statement(2, parent('course-v1:B+2+r')) }),
      line(3, parent('course-v1:A+1+r')),
      JSON.stringify({ event_id: 'e4', event: 'not json' }),
      JSON.stringify({ event_id: 'e5', event: line(5) }),
    ];
    const r = await load(w, { [key]: `${lines.join('\n')}\n` });
    expect(r.files[0]).toMatchObject({ outcome: 'loaded', statements: 4, rejected: 1 });
    expect(await positions(w, key)).toEqual([
      [1, '#1'],
      [2, '#2'],
      [3, '#3'],
      [4, 'invalid_json'],
      [5, '#5'],
    ]);
    const sections = await w.query<{ n: string; section_id: string }>(
      'SELECT line_number AS n, section_id FROM statements FINAL ORDER BY n',
    );
    expect(sections.map((s) => s.section_id)).toEqual([
      'course-v1:A+1+r',
      'course-v1:B+2+r',
      'course-v1:A+1+r',
      '',
    ]);
    // The statement, not its envelope, is what the raw table keeps.
    const [first] = await w.query<{ raw: string }>('SELECT raw FROM statements FINAL WHERE line_number = 1');
    expect(JSON.parse(first?.raw ?? '{}').id).toBe(statement(1).id);
  });
});
