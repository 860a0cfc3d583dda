import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { buildInsertSql } from '../../src/load/insert-sql.js';
import { recordSql } from '../../src/load/record-sql.js';
import { fileFormat } from '../../src/plan/file-format.js';
import { parseJsonPointer } from '../../src/plan/json-pointer.js';
import {
  compileKeyLayout,
  DEFAULT_KEY_LAYOUT,
  KEY_LAYOUT_PATTERN,
  parseKey,
} from '../../src/plan/key-layout.js';
import { compressionOf } from '../../src/plan/sniff-compression.js';

describe('key layouts (XAPI_KEY_LAYOUT)', () => {
  it('the default is the brief’s layout, read as v0.1.0 read it', () => {
    const layout = compileKeyLayout(DEFAULT_KEY_LAYOUT);
    expect(layout.pattern).toBe('(?:^|/)section/([^/]+)/([^/]+)/([^/]*)$');
    expect(layout.head).toBe('section/');
    for (const key of [
      'section/123/video/2024-01-01T12-00-00.000Z_bundle.jsonl',
      'prod/section/123/video/notes.jsonl',
      'section/123/video/undated.jsonl',
    ]) {
      expect(layout.parse(key)?.sectionId, key).toBe(new RegExp(KEY_LAYOUT_PATTERN).exec(key)?.[1]);
    }
    expect(parseKey('section/123/video/2024-01-01T12-00-00.000Z_bundle.jsonl')).toMatchObject({
      sectionId: '123',
      eventType: 'video',
      date: '2024-01-01',
      hour: '12',
      fileTime: new Date('2024-01-01T12:00:00.000Z'),
    });
    expect(parseKey('section/123/video/undated.jsonl')?.date).toBeUndefined();
    expect(parseKey('exports/file.jsonl')).toBeUndefined();
    expect(parseKey('section/123/video/')).toBeUndefined(); // a folder marker
  });

  it('reads Firehose, Vector, dated folders and timestamps; literal text matches itself', () => {
    const firehose = compileKeyLayout('firehose/section={section_id}/{yyyy}/{mm}/{dd}/{hh}/*');
    expect(firehose.head).toBe('firehose/');
    expect(
      firehose.parse('firehose/section=course-v1:X+1+r/2024/03/04/13/stream-1-2024-03-04-13-00-00-abc.gz'),
    ).toMatchObject({
      sectionId: 'course-v1:X+1+r',
      eventType: '',
      date: '2024-03-04',
      hour: '13',
      fileTime: new Date('2024-03-04T13:00:00Z'),
    });
    expect(firehose.parse('firehose/section=1/2024/3/04/13/f')).toBeUndefined();
    expect(firehose.parse('firehose/section=1/2024/02/30/13/f')?.date).toBeUndefined(); // no such day
    const vector = compileKeyLayout('xapi/{yyyy}/{mm}/{dd}/{hh}/*.log.gz');
    expect(vector.parse('xapi/2024/03/04/13/vector-1.log.gz')).toMatchObject({
      sectionId: '',
      date: '2024-03-04',
    });
    expect(vector.parse('xapi/2024/03/04/13/vector-1.log')).toBeUndefined();
    const dt = compileKeyLayout('exports/{section_id}/dt={yyyy}-{mm}-{dd}/*.json');
    expect(dt.parse('exports/7/dt=2024-03-04/a.json')).toMatchObject({ sectionId: '7', date: '2024-03-04' });
    const pages = compileKeyLayout('lrs/{section_id}/{timestamp}_page.json');
    expect(pages.datedBy).toBe('timestamp');
    expect(pages.parse('lrs/7/2024-03-04T10-11-12.5Z_page.json')?.fileTime).toEqual(
      new Date('2024-03-04T10:11:12.500Z'),
    );
    // Regex characters in literal text are literal.
    expect(compileKeyLayout('a.b/{section_id}/*').parse('aXb/1/f.jsonl')).toBeUndefined();
  });

  it('refuses templates it cannot read, saying why', () => {
    const problem = (t: string) => {
      try {
        compileKeyLayout(t);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    };
    expect(problem('section/{sectionid}/*')).toContain('{sectionid} is not a placeholder');
    expect(problem('{section_id}/{section_id}/*')).toContain('appears twice');
    expect(problem('x/{mm}/*')).toContain('need {yyyy}');
    expect(problem('x/{yyyy}/{hh}/*')).toContain('{hh} needs {dd}');
    expect(problem('/x/*')).toContain('must not start or end with "/"');
    expect(problem('x/{section_id')).toContain('unmatched');
    expect(problem('x/{section_id}.jsonl')).toContain('cannot hold {section_id}');
    expect(problem('x/{yyyy}/{timestamp}')).toContain('not both');
    expect(problem('x/../*')).toContain('".."');
  });

  it('the configuration: a pointer only where the key has no section; bad values fail loudly', () => {
    expect(() => loadConfig({ XAPI_SECTION_POINTER: '/context/x' })).toThrow(/names the section/);
    expect(() => loadConfig({ XAPI_KEY_LAYOUT: 'x/{yyyy}/*', XAPI_SECTION_POINTER: 'context' })).toThrow(
      /must start with "\/"/,
    );
    expect(() => loadConfig({ XAPI_ASPECTS_TABLE: 'xapi.x; DROP TABLE y' })).toThrow(/database.table/);
    const config = loadConfig({
      XAPI_KEY_LAYOUT: 'x/{yyyy}/{mm}/{dd}/*',
      XAPI_SECTION_POINTER: '/context/contextActivities/parent/0/id',
      XAPI_STATEMENT_FIELD: 'event',
    });
    expect(config.source.sectionPointer?.path).toEqual(['context', 'contextActivities', 'parent', 1, 'id']);
  });
});

describe('JSON pointers (RFC 6901) as JSONExtract paths', () => {
  it('maps array indexes to 1-based integers and unescapes ~1 and ~0', () => {
    expect(parseJsonPointer('/a~1b/m~0n/0/10')).toEqual(['a/b', 'm~n', 1, 11]);
    expect(parseJsonPointer('/01')).toEqual(['01']); // a leading zero is no index (RFC 6901 §4)
    expect(parseJsonPointer('x')).toMatch(/start with/);
    expect(parseJsonPointer('/a~2')).toMatch(/~/);
  });
});

describe('file formats, by name and by content', () => {
  it('names', () => {
    expect(fileFormat('a/b.jsonl')).toEqual({ kind: 'lines', compression: 'none' });
    expect(fileFormat('a/b.log.gz')).toEqual({ kind: 'lines', compression: 'gzip' });
    expect(fileFormat('a/b.ndjson.xz')).toEqual({ kind: 'lines', compression: 'xz' });
    expect(fileFormat('a/b.jsonl.bz2')).toEqual({ kind: 'lines', compression: 'bz2' });
    expect(fileFormat('a/b.json.zst')).toEqual({ kind: 'document', compression: 'zstd' });
    expect(fileFormat('a/stream-1-2024-03-04-13-00-00-uuid')).toEqual({
      kind: 'document',
      compression: 'unknown',
    });
    expect(fileFormat('a/stream-1-2024-03-04-13-00-00-uuid.gz')).toEqual({
      kind: 'document',
      compression: 'gzip',
    });
    expect(fileFormat('a/2024-01-01T12-00-00.000Z_bundle')).toEqual({
      kind: 'document',
      compression: 'unknown',
    });
    expect(fileFormat('a/notes.txt')).toBeUndefined();
    expect(fileFormat('a/data.parquet')).toBeUndefined();
    expect(fileFormat('a/')).toBeUndefined();
  });

  it('content: gzip, zstd, xz and bzip2 magic numbers; anything else is plain', () => {
    expect(compressionOf(Uint8Array.from([0x1f, 0x8b, 8, 0]))).toBe('gzip');
    expect(compressionOf(Uint8Array.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe('zstd');
    expect(compressionOf(Uint8Array.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0]))).toBe('xz');
    expect(compressionOf(Buffer.from('BZh91AY'))).toBe('bz2');
    expect(compressionOf(Buffer.from('{"id"'))).toBe('none');
    expect(compressionOf(new Uint8Array())).toBe('none');
  });
});

describe('the load INSERT by source', () => {
  const source = { sql: 'SELECT 1', params: {} };
  it('the default layout: the INSERT v0.1.0 layouts always had, values only as parameters', () => {
    const r = recordSql(loadConfig({}).source);
    const sql = buildInsertSql(source, 'lenient', r);
    expect(sql).toContain('extractGroups(src_key, {key_layout:String}) AS layout');
    expect(sql).toContain('layout[1], layout[2], line');
    expect(sql).not.toContain('record_statement');
    expect(sql).not.toContain('planned_versions');
    expect(r.params.key_layout).toBe('(?:^|/)section/([^/]+)/([^/]+)/([^/]*)$');
  });

  it('envelopes, a section from the statement, a scoped load: SQL from structure, values as parameters', () => {
    const config = loadConfig({
      XAPI_KEY_LAYOUT: "x'/{yyyy}/{mm}/{dd}/*",
      XAPI_SECTION_POINTER: "/context/it's/0",
      XAPI_STATEMENT_FIELD: "ev'ent",
    });
    const r = recordSql(config.source, ["o'brien"]);
    const sql = buildInsertSql(source, 'strict', r);
    expect(sql).not.toContain("o'brien");
    expect(sql).not.toContain("it's");
    expect(sql).not.toContain("ev'ent");
    expect(sql).not.toContain("x'");
    expect(sql).toContain(
      'JSONExtractString(record_statement, {section_path_0:String}, {section_path_1:String}, {section_path_2:Int64})',
    );
    expect(sql).toContain('record_section IN {scope_sections:Array(String)}');
    expect(r.params).toMatchObject({
      statement_field: "ev'ent",
      section_path_1: "it's",
      section_path_2: 1,
      scope_sections: ["o'brien"],
    });
  });
});
