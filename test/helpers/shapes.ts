import { randomUUID } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { generateBundles } from '../../src/tools/generate/bundles.js';

/**
 * The same generated statements in the shapes xAPI reaches S3 in (issue #22), each with its key layout and the
 * configuration that reads it, and each with records that cannot load at known positions. Sections are course
 * keys (`course-v1:Org+101+run`), as Open edX names them, in the key or in the statement's
 * context.contextActivities.parent[0].id.
 */
export interface ShapeFile {
  key: string;
  body: Uint8Array | string;
  /** Records in the file, in order: statement texts, or what a broken record is (its rejection reason). */
  records: { statementId?: string; reason?: string }[];
  section: string;
  date: string;
}

export interface Shape {
  name: string;
  env: Record<string, string>;
  files: ShapeFile[];
  /** Objects under the shape's layout outside the dates the test loads: bulk must not list their folders. */
  noise: ShapeFile[];
}

export interface SourceBundle {
  section: string;
  /** When the platform wrote it (the bundle's key time). */
  at: Date;
  statements: { id: string; text: string }[];
}

export const COURSE = (n: string) => `course-v1:Org+${n}+run`;

/** 2 sections × 3 days of video sessions, the statements' parent set to the section's course key. */
export function sourceBundles(startDate = '2024-03-04', days = 3, seed = 42): SourceBundle[] {
  const out: SourceBundle[] = [];
  for (const b of generateBundles({
    seed,
    sections: 2,
    days,
    startDate,
    learnersPerSection: 5,
    videosPerSection: 2,
    brokenPerSection: 0,
    bundleStatements: 40,
  })) {
    const section = COURSE(b.sectionId);
    const statements = b.lines.map((l) => {
      const s = JSON.parse(l.text);
      s.context ??= {};
      s.context.contextActivities ??= {};
      s.context.contextActivities.parent = [{ id: section, objectType: 'Activity' }];
      return { id: s.id as string, text: JSON.stringify(s) };
    });
    const at = new Date(
      b.key
        .replace(/^.*\//, '')
        .replace(/_bundle\.jsonl$/, '')
        .replace(/T(\d\d)-(\d\d)-(\d\d)/, 'T$1:$2:$3'),
    );
    out.push({ section, at, statements });
  }
  return out;
}

const iso = (d: Date) => d.toISOString();
const ymd = (d: Date) => iso(d).slice(0, 10);
const parts = (d: Date) => ({
  yyyy: iso(d).slice(0, 4),
  mm: iso(d).slice(5, 7),
  dd: iso(d).slice(8, 10),
  hh: iso(d).slice(11, 13),
});
const stamp = (d: Date) => iso(d).replace(/:/g, '-');

/** The brief's layout: the baseline the other shapes' analytics are compared with. */
export function jsonLinesShape(bundles: SourceBundle[]): Shape {
  const file = (b: SourceBundle): ShapeFile => ({
    key: `section/${b.section}/video/${stamp(b.at)}_bundle.jsonl`,
    body: `${b.statements.map((s) => s.text).join('\n')}\n`,
    records: b.statements.map((s) => ({ statementId: s.id })),
    section: b.section,
    date: ymd(b.at),
  });
  return { name: 'JSON lines (the default layout)', env: {}, files: bundles.map(file), noise: [] };
}

/**
 * Amazon Data Firehose with dynamic partitioning by section: hourly folders, records concatenated with no
 * separator, gzip; every other file has Firehose's `.gz` extension, the others no extension at all (gzip read
 * from the content). The first file ends with a record cut off mid-write.
 */
export function firehoseShape(bundles: SourceBundle[], noise: SourceBundle[]): Shape {
  const file = (b: SourceBundle, i: number): ShapeFile => {
    const p = parts(b.at);
    const name = `xapi-stream-1-${ymd(b.at)}-${p.hh}-${iso(b.at).slice(14, 16)}-${iso(b.at).slice(17, 19)}-${randomUUID()}`;
    const records: ShapeFile['records'] = b.statements.map((s) => ({ statementId: s.id }));
    let text = b.statements.map((s) => s.text).join('');
    if (i === 0) {
      text += '{"id":"cut","actor":{"mbox":"mailto:x@example.org"},"verb":';
      records.push({ reason: 'invalid_json' });
    }
    return {
      key: `firehose/section=${b.section}/${p.yyyy}/${p.mm}/${p.dd}/${p.hh}/${name}${i % 2 === 0 ? '.gz' : ''}`,
      body: gzipSync(text),
      records,
      section: b.section,
      date: ymd(b.at),
    };
  };
  return {
    name: 'Firehose: concatenated records, gzip, section in the key',
    env: { XAPI_KEY_LAYOUT: 'firehose/section={section_id}/{yyyy}/{mm}/{dd}/{hh}/*' },
    files: bundles.map(file),
    noise: noise.map((b, i) => file(b, i + 1)),
  };
}

/**
 * Open edX Aspects' Vector S3 sink: hourly `.log.gz`, one envelope a line whose `event` is the statement as a JSON
 * string; the section is in the statement. Its second line's event is not JSON, and one statement names no course.
 */
export function vectorShape(bundles: SourceBundle[], noise: SourceBundle[]): Shape {
  const file = (b: SourceBundle, i: number): ShapeFile => {
    const p = parts(b.at);
    const envelope = (event: string) =>
      JSON.stringify({ event_id: randomUUID(), emission_time: iso(b.at).replace('Z', '000+00:00'), event });
    const lines = b.statements.map((s) => envelope(s.text));
    const records: ShapeFile['records'] = b.statements.map((s) => ({ statementId: s.id }));
    if (i === 0) {
      lines.splice(1, 0, envelope('{"actor": not json'));
      records.splice(1, 0, { reason: 'invalid_json' });
    }
    return {
      key: `xapi/${p.yyyy}/${p.mm}/${p.dd}/${p.hh}/vector-${i}-${randomUUID().slice(0, 8)}.log.gz`,
      body: gzipSync(`${lines.join('\n')}\n`),
      records,
      section: b.section,
      date: ymd(b.at),
    };
  };
  return {
    name: 'Vector envelopes, gzip, section from the statement',
    env: {
      XAPI_KEY_LAYOUT: 'xapi/{yyyy}/{mm}/{dd}/{hh}/*.log.gz',
      XAPI_STATEMENT_FIELD: 'event',
      XAPI_SECTION_POINTER: '/context/contextActivities/parent/0/id',
    },
    files: bundles.map(file),
    noise: noise.map((b, i) => file(b, i + 1)),
  };
}

/** An LRS export: a pretty-printed JSON array of statements a file; the first holds a number at index 3. */
export function arrayShape(bundles: SourceBundle[], noise: SourceBundle[]): Shape {
  const file = (b: SourceBundle, i: number): ShapeFile => {
    const items: unknown[] = b.statements.map((s) => JSON.parse(s.text));
    const records: ShapeFile['records'] = b.statements.map((s) => ({ statementId: s.id }));
    if (i === 0) {
      items.splice(3, 0, 42);
      records.splice(3, 0, { reason: 'not_an_object' });
    }
    return {
      key: `exports/${b.section}/dt=${ymd(b.at)}/export-${stamp(b.at)}.json`,
      body: JSON.stringify(items, null, 2),
      records,
      section: b.section,
      date: ymd(b.at),
    };
  };
  return {
    name: 'a JSON array of statements',
    env: { XAPI_KEY_LAYOUT: 'exports/{section_id}/dt={yyyy}-{mm}-{dd}/*.json' },
    files: bundles.map(file),
    noise: noise.map((b, i) => file(b, i + 1)),
  };
}

/** Pages of an LRS's GET /statements, named by time; the first page holds an object that is no statement. */
export function lrsPageShape(bundles: SourceBundle[], noise: SourceBundle[]): Shape {
  const file = (b: SourceBundle, i: number): ShapeFile => {
    const statements: unknown[] = b.statements.map((s) => JSON.parse(s.text));
    const records: ShapeFile['records'] = b.statements.map((s) => ({ statementId: s.id }));
    if (i === 0) {
      statements.push({ note: 'not a statement' });
      records.push({ reason: 'not_a_statement' });
    }
    return {
      key: `lrs/${b.section}/${stamp(b.at)}_page.json`,
      body: JSON.stringify({ statements, more: `/xapi/statements?more=${i + 1}` }),
      records,
      section: b.section,
      date: ymd(b.at),
    };
  };
  return {
    name: 'LRS result pages',
    env: { XAPI_KEY_LAYOUT: 'lrs/{section_id}/{timestamp}_page.json' },
    files: bundles.map(file),
    noise: noise.map((b, i) => file(b, i + 1)),
  };
}
