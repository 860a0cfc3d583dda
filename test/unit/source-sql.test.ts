import { describe, expect, it } from 'vitest';
import { buildSourceSql, encodeKeySegment } from '../../src/load/source-sql.js';
import { parseKey } from '../../src/plan/key-layout.js';
import type { SourceObject } from '../../src/plan/source-object.js';

const s3 = { endpoint: 'http://127.0.0.1:4569', region: 'us-east-1', clickhouseAuth: 'credentials' as const };
const access = {
  argsSql: ', {s3_key_id:String}, {s3_secret:String}',
  params: { s3_key_id: 'AK', s3_secret: 'SK' },
};
const obj = (key: string, bucket = 'xapi'): SourceObject => ({ kind: 's3', bucket, key, etag: 'e', size: 1 });

describe('buildSourceSql', () => {
  it('reads one folder with one s3() call and a brace list, values only as parameters', () => {
    const src = buildSourceSql([obj('section/1/video/a.jsonl'), obj('section/1/video/b.jsonl')], {
      s3,
      access,
    });
    expect(src.sql).toBe(
      "SELECT _path AS src_path, _etag AS src_etag, _size AS src_size, _time AS src_time, _row_number AS src_row, line FROM s3({src_0:String}, {s3_key_id:String}, {s3_secret:String}, 'LineAsString')",
    );
    expect(src.params.src_0).toBe('http://127.0.0.1:4569/xapi/section/1/video/{a.jsonl,b.jsonl}');
    expect(src.sql).not.toContain('SK');
  });

  it('names 100 or more objects of a folder by their shared name prefix and *, not a brace list', () => {
    const names = Array.from(
      { length: 120 },
      (_, i) => `2024-03-0${1 + Math.floor(i / 60)}T${String(i % 60).padStart(2, '0')}_b.jsonl`,
    );
    const src = buildSourceSql(
      names.map((n) => obj(`section/1/video/${n}`)),
      { s3, access },
    );
    expect(src.params.src_0).toBe('http://127.0.0.1:4569/xapi/section/1/video/2024-03-0*');
    // A wildcard character ends the listed prefix.
    const odd = buildSourceSql(
      names.map((n) => obj(`section/1/video/x y ${n}`)),
      { s3, access },
    );
    expect(odd.params.src_0).toBe('http://127.0.0.1:4569/xapi/section/1/video/x*');
    const few = buildSourceSql(
      names.slice(0, 99).map((n) => obj(`section/1/video/${n}`)),
      { s3, access },
    );
    expect(few.params.src_0).toMatch(/\/video\/\{2024-03-01T00_b\.jsonl,.*\}$/);
  });

  it('joins folders with UNION ALL', () => {
    const src = buildSourceSql([obj('section/1/video/a.jsonl'), obj('section/2/video/a.jsonl')], {
      s3,
      access,
    });
    expect(src.sql.split('UNION ALL')).toHaveLength(2);
  });

  it('encodes URL characters, and turns the glob characters ClickHouse cannot escape into ? wildcards', () => {
    expect(encodeKeySegment('a b+c%d\'e"é*?{},.jsonl')).toBe('a?b?c?d?e???????.jsonl');
  });

  it('uses virtual-hosted AWS URLs without an endpoint, and s3Cluster on a cluster', () => {
    const aws = buildSourceSql([obj('k/a.jsonl')], {
      s3: { ...s3, endpoint: undefined },
      access,
      cluster: 'c',
    });
    expect(aws.params.src_0).toBe('https://xapi.s3.us-east-1.amazonaws.com/k/a.jsonl');
    expect(aws.sql).toContain('s3Cluster({cluster_name:String}, {src_0:String}');
  });
});

describe('parseKey', () => {
  it('reads section, event type and date from the layout', () => {
    expect(parseKey('section/123/video/2024-01-01T12-00-00.000Z_bundle.jsonl')).toMatchObject({
      sectionId: '123',
      eventType: 'video',
      date: '2024-01-01',
    });
    expect(parseKey('exports/file.jsonl')).toBeUndefined();
  });
});
