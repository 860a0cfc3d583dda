import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/load/ingest.js';
import { headObject } from '../../src/plan/s3-objects.js';
import { FIXTURES, type Harness, RALPH_SAMPLE, startHarness } from '../helpers/harness.js';

const VOIDED = 'http://adlnet.gov/expapi/verbs/voided';
const answered = {
  id: 'http://adlnet.gov/expapi/verbs/answered',
  display: { fr: 'répondu', 'en-US': 'answered' },
};
const quiz = { objectType: 'Activity', id: 'http://example.com/quiz/1' };
const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
const stmt = (n: number, extra: Record<string, unknown>) => ({
  id: id(n),
  actor: { mbox: `mailto:someone${n}@example.com` },
  verb: answered,
  object: quiz,
  timestamp: '2024-02-01T10:00:00Z',
  ...extra,
});
const voiding = (n: number, target: number) =>
  stmt(n, { verb: { id: VOIDED }, object: { objectType: 'StatementRef', id: id(target) } });
const SHA1 = 'ABCDEF0123456789ABCDEF0123456789ABCDEF01';
const RALPH_SEEKED = '239acf52-a047-496f-9951-1bde36b7a0fd';
const EDX_SEEKED = 'a7c1e0f2-3b4d-5e6f-8a9b-000000000004';

// Voiding is resolved within a section (sections are the unit of sharding: docs/xapi.md, Voiding).
// Load 1 holds voiding statement 20 (its target 21 only arrives in load 2) and target 31 (voided in load 2).
const load1 = [
  stmt(1, {
    actor: { mbox: 'mailto:Learner@Example.COM' },
    result: { duration: 'PT1H2M3.5S', score: { raw: 7 } },
  }),
  stmt(2, { actor: { mbox: ' MAILTO:learner@example.com ' }, result: { duration: 'P1DT2H' } }),
  stmt(3, {
    actor: { objectType: 'Agent', name: 'U7', account: { homePage: 'HTTP://LMS.Example.com/', name: 'u-7' } },
    result: { duration: 'PT0S' },
    context: {
      instructor: { mbox_sha1sum: SHA1 },
      team: { objectType: 'Group', openid: 'https://id.example.com/team/9' },
    },
  }),
  stmt(4, { actor: { account: { homePage: 'http://lms.example.com', name: 'u-7' } } }),
  stmt(5, {
    actor: {
      objectType: 'Group',
      member: [{ mbox: 'mailto:b@example.com' }, { mbox: 'mailto:a@example.com' }],
    },
  }),
  stmt(6, {
    actor: {
      objectType: 'Group',
      member: [{ mbox: 'mailto:A@example.com' }, { mbox: 'mailto:b@example.com' }],
    },
  }),
  voiding(20, 21),
  stmt(31, {}),
  // Names a statement of section 123 from section 42: voiding goes by id, whatever the section.
  stmt(40, { verb: { id: VOIDED }, object: { objectType: 'StatementRef', id: RALPH_SEEKED } }),
  stmt(70, {}),
];
// Load 2 (section 42 again): the target of 20, a statement voiding 31, and one trying to void the voiding statement 20.
const load2 = [stmt(21, {}), voiding(30, 31), voiding(50, 20)];
// Also in load 2: section 123 voids its own statement (already voided by 40); section 43 voids statement 70 of
// section 42.
const ralphVoid = [
  stmt(41, { verb: { id: VOIDED }, object: { objectType: 'StatementRef', id: RALPH_SEEKED } }),
];
const otherSectionVoid = [voiding(71, 70)];

describe('xAPI semantics: complete rows, video profile, voiding, JSON documents', () => {
  let h: Harness;
  const keys = {
    ralph: 'section/123/video/2021-11-24T00-00-00.000Z_bundle.jsonl',
    quiz1: 'section/42/quiz/2024-02-01T00-00-00.000Z_bundle.jsonl',
    array: 'section/42/quiz/2024-02-02T00-00-00.000Z_bundle.json',
    quiz2: 'section/42/quiz/2024-02-03T00-00-00.000Z_bundle.jsonl',
    ralphVoid: 'section/123/video/2021-11-25T00-00-00.000Z_bundle.jsonl',
    otherSectionVoid: 'section/43/quiz/2024-02-04T00-00-00.000Z_bundle.jsonl',
  };
  const edxFiles = fs.readdirSync(path.join(FIXTURES, 'openedx-shaped')).filter((f) => f.endsWith('.json'));

  beforeAll(async () => {
    h = await startHarness();
    await h.s3.put(h.bucket, keys.ralph, fs.readFileSync(RALPH_SAMPLE));
    await h.s3.put(h.bucket, keys.quiz1, load1.map((s) => JSON.stringify(s)).join('\n'));
    // A pretty-printed JSON array: each element is a statement; the second has no actor identifier.
    await h.s3.put(
      h.bucket,
      keys.array,
      JSON.stringify(
        [
          stmt(60, {}),
          { actor: { objectType: 'Agent', name: 'No identifier' }, verb: answered, object: quiz },
          stmt(61, {}),
        ],
        null,
        2,
      ),
    );
    for (const f of edxFiles) {
      await h.s3.put(
        h.bucket,
        `section/9/video/2020-07-15T00-00-00.000Z_${f}`,
        fs.readFileSync(path.join(FIXTURES, 'openedx-shaped', f)),
      );
    }
    const objects = await Promise.all(
      [
        keys.ralph,
        keys.quiz1,
        keys.array,
        ...edxFiles.map((f) => `section/9/video/2020-07-15T00-00-00.000Z_${f}`),
      ].map((k) => headObject(h.rt.s3, h.bucket, k)),
    );
    const first = await ingest(h.rt, objects, { mode: 'event' });
    expect(first.totals.files_failed).toBe(0);
    await h.s3.put(h.bucket, keys.quiz2, load2.map((s) => JSON.stringify(s)).join('\n'));
    await h.s3.put(h.bucket, keys.ralphVoid, ralphVoid.map((s) => JSON.stringify(s)).join('\n'));
    await h.s3.put(
      h.bucket,
      keys.otherSectionVoid,
      otherSectionVoid.map((s) => JSON.stringify(s)).join('\n'),
    );
    const second = await ingest(
      h.rt,
      await Promise.all(
        [keys.quiz2, keys.ralphVoid, keys.otherSectionVoid].map((k) => headObject(h.rt.s3, h.bucket, k)),
      ),
      { mode: 'event' },
    );
    expect(second.totals).toMatchObject({ events_processed: 5, events_rejected: 0 });
  });
  afterAll(async () => {
    await h?.close();
  });

  const row = async (statementId: string) => {
    const [r] = await h.query<Record<string, unknown>>(
      'SELECT * FROM statements FINAL WHERE statement_id = {id:UUID}',
      {
        id: statementId,
      },
    );
    return r as Record<string, unknown>;
  };

  it('accounts for every line and element: loaded + rejected = lines, per file', async () => {
    const files = await h.query<{ key: string; lines: number; statements: number; rejected: number }>(
      'SELECT key, lines, statements, rejected FROM ingested_files FINAL ORDER BY key',
    );
    for (const f of files) expect(Number(f.statements) + Number(f.rejected)).toBe(Number(f.lines));
    const byKey = new Map(files.map((f) => [f.key, f]));
    expect(Number(byKey.get(keys.ralph)?.statements)).toBe(1059);
    // Open edX-shaped: 12 pretty-printed .json files.
    const edx = files.filter((f) => f.key.startsWith('section/9/'));
    expect(edx).toHaveLength(12);
    // Eleven files hold one statement; the array file holds two (one line each).
    expect(edx.every((f) => Number(f.lines) === Number(f.statements) && Number(f.rejected) === 0)).toBe(true);
    expect(Number(edx.find((f) => f.key.endsWith('played_and_paused.array.json'))?.lines)).toBe(2);
  });

  it('splits a pretty-printed JSON array into statements, rejecting a bad element by position', async () => {
    const loaded = await h.query<{ line_number: number }>(
      'SELECT line_number FROM statements FINAL WHERE source_key = {k:String} ORDER BY line_number',
      { k: keys.array },
    );
    expect(loaded.map((r) => Number(r.line_number))).toEqual([1, 3]);
    const rejected = await h.query<{ line_number: number; reason: string }>(
      'SELECT line_number, reason FROM rejected_statements FINAL WHERE source_key = {k:String}',
      { k: keys.array },
    );
    expect(rejected.map((r) => [Number(r.line_number), r.reason])).toEqual([[2, 'missing_actor_identifier']]);
  });

  it('normalises actor keys: mbox case, account homePage case and trailing slash, anonymous groups by members', async () => {
    const [s1, s2, s3, s4, s5, s6] = await Promise.all([1, 2, 3, 4, 5, 6].map((n) => row(id(n))));
    expect(s1?.actor_key).toBe('mbox::mailto:learner@example.com');
    expect(s2?.actor_key).toBe('mbox::mailto:learner@example.com');
    expect(s3?.actor_key).toBe('account::http://lms.example.com::u-7');
    expect(s4?.actor_key).toBe('account::http://lms.example.com::u-7');
    expect(s3?.actor_name).toBe('U7');
    expect(s3?.context_instructor_key).toBe(`mbox_sha1sum::${SHA1.toLowerCase()}`);
    expect(s3?.context_team_key).toBe('openid::https://id.example.com/team/9');
    expect(s5?.actor_object_type).toBe('Group');
    expect(s5?.actor_member_keys).toEqual(['mbox::mailto:b@example.com', 'mbox::mailto:a@example.com']);
    expect(String(s5?.actor_key)).toMatch(/^group::[0-9a-f]{32}$/);
    expect(s6?.actor_key).toBe(s5?.actor_key);
    expect(s1?.verb_display).toBe('answered');
  });

  it('keeps the ISO 8601 duration and its milliseconds', async () => {
    const [s1, s2, s3] = await Promise.all([1, 2, 3].map((n) => row(id(n))));
    expect([s1?.result_duration, Number(s1?.result_duration_ms)]).toEqual(['PT1H2M3.5S', 3_723_500]);
    expect([s2?.result_duration, Number(s2?.result_duration_ms)]).toEqual(['P1DT2H', 93_600_000]);
    expect([s3?.result_duration, Number(s3?.result_duration_ms)]).toEqual(['PT0S', 0]);
    expect(Number(s1?.result_score_raw)).toBe(7);
  });

  it('maps the video profile fields of a real seeked statement (ralph) and of Open edX', async () => {
    const [ralph] = await h.query<Record<string, unknown>>(
      'SELECT * FROM video_events FINAL WHERE statement_id = {id:UUID}',
      {
        id: RALPH_SEEKED,
      },
    );
    expect(ralph).toMatchObject({
      session_id: 'f7c62d0a-99cb-5827-b35a-2d72c58bfcf4',
      verb_id: 'https://w3id.org/xapi/video/verbs/seeked',
      video_id: 'uuid://dd38149d-956a-483d-8975-c1506de1e1a9',
      actor_key: 'account::http://fun-mooc.fr::926e5b32-22d4-42a8-aa3d-9887bf299080',
      time_from: 438.943,
      time_to: 467.909,
      length: 586,
      progress: 0.675,
    });
    const segments = ralph?.played_segments as { start: number; end: number }[] | [number, number][];
    const pairs = segments.map((p) => (Array.isArray(p) ? p : [p.start, p.end]));
    // "0[.]197.19[,]197.195[.]210.559[,]…[,]438.943[.]438.943[,]467.909": 9 closed segments, the open one left out.
    expect(pairs).toHaveLength(9);
    expect(pairs.slice(0, 2)).toEqual([
      [0, 197.19],
      [197.195, 210.559],
    ]);
    const [edx] = await h.query<Record<string, unknown>>(
      'SELECT * FROM video_events FINAL WHERE statement_id = {id:UUID}',
      {
        id: EDX_SEEKED,
      },
    );
    expect(edx).toMatchObject({
      session_id: '5f1d2c3b4a5968778695a4b3c2d1e0f1',
      time_from: 94.381,
      time_to: 10,
      length: 195,
    });
    const [cc] = await h.query<{ n: number }>(
      "SELECT count() AS n FROM video_events FINAL WHERE section_id = '9' AND cc_enabled IS NOT NULL",
    );
    // Three files carry cc-enabled, two of them the same statement id (an id is one statement): two rows.
    expect(Number(cc?.n)).toBe(2);
    const [edxRows] = await h.query<{ n: number }>(
      "SELECT count() AS n FROM video_events FINAL WHERE section_id = '9'",
    );
    // 13 statements in 12 files, one id sent twice: 12 video events.
    expect(Number(edxRows?.n)).toBe(12);
    const [speed] = await h.query<{ n: number }>(
      "SELECT count() AS n FROM video_events FINAL WHERE section_id = '123' AND speed = 1",
    );
    expect(Number(speed?.n)).toBeGreaterThan(0);
  });

  it('excludes voided statements whichever arrives first; a voiding statement is never voided', async () => {
    const active = await h.query<{ id: string }>(
      "SELECT toString(statement_id) AS id FROM statements_active WHERE section_id IN ('42', '43', '123')",
    );
    const ids = new Set(active.map((r) => r.id));
    expect(ids.has(id(21))).toBe(false); // voided by 20, which arrived earlier
    expect(ids.has(id(31))).toBe(false); // voided by 30, which arrived later
    expect(ids.has(id(20))).toBe(true); // 50 tries to void a voiding statement: ignored
    expect(ids.has(id(50))).toBe(true);
    expect(ids.has(RALPH_SEEKED)).toBe(false); // voided by 40 (another section) and by 41 (its own)
    expect(ids.has(id(70))).toBe(false); // voided by 71, of another section: by id (xAPI 1.0.3 §2.3.2)
    const [v] = await h.query<{ n: number }>(
      'SELECT count() AS n FROM video_events_active WHERE statement_id = {id:UUID}',
      {
        id: RALPH_SEEKED,
      },
    );
    expect(Number(v?.n)).toBe(0);
    const [all] = await h.query<{ n: number }>(
      "SELECT count() AS n FROM video_events FINAL WHERE section_id = '123'",
    );
    const [act] = await h.query<{ n: number }>(
      "SELECT count() AS n FROM video_events_active WHERE section_id = '123'",
    );
    expect(Number(all?.n) - Number(act?.n)).toBe(1);
  });
});
