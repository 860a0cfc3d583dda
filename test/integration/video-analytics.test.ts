import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingest } from '../../src/load/ingest.js';
import { headObject } from '../../src/plan/s3-objects.js';
import { type Harness, startHarness } from '../helpers/harness.js';

/**
 * The analytics views (migrations/0003_video_analytics.sql) on a hand-made set of sessions whose
 * retention curve, completion and watch time are computed by hand below.
 *
 * Video V, 10 s long, completion threshold 0.9. Viewers:
 *   A  session a1 played 0–4.5, session a2 (another day, another file) played 3–6   → seconds 0..5
 *   B  played 0–2, seeked 2→8, played 8–10                                          → seconds 0,1,8,9
 *   C  initialized only                                                             → nothing
 *   D  played 0–9.5, but that statement was voided                                  → nothing
 *   E  played 0–9.2 (progress 0.92 ≥ 0.9: completed)                                → seconds 0..9
 * Second k is watched when a segment overlaps [k, k+1). Viewers: 5.
 */
const EXPECTED_RETENTION = [3, 3, 2, 2, 2, 2, 1, 1, 2, 2].map((n) => n / 5);

const P = 'https://w3id.org/xapi/video';
const VIDEO = 'https://lms.example.org/section/9/video/v';
const verbs = {
  initialized: 'http://adlnet.gov/expapi/verbs/initialized',
  paused: `${P}/verbs/paused`,
  seeked: `${P}/verbs/seeked`,
  terminated: 'http://adlnet.gov/expapi/verbs/terminated',
  completed: 'http://adlnet.gov/expapi/verbs/completed',
};

function statement(
  who: string,
  session: string,
  verb: keyof typeof verbs,
  at: string,
  result: Record<string, unknown> = {},
  id = randomUUID(),
) {
  return {
    id,
    actor: { account: { homePage: 'https://lms.example.org', name: who } },
    verb: { id: verbs[verb], display: { 'en-US': verb } },
    object: {
      id: VIDEO,
      definition: { type: `${P}/activity-type/video`, name: { 'en-US': 'Video V' } },
    },
    result: { extensions: result },
    context: {
      extensions: {
        [`${P}/extensions/session-id`]: session,
        [`${P}/extensions/length`]: 10,
        [`${P}/extensions/completion-threshold`]: 0.9,
      },
    },
    timestamp: at,
  };
}

const seg = (s: string) => ({ [`${P}/extensions/played-segments`]: s });

describe('video analytics views', () => {
  let h: Harness;
  const keys = [
    'section/9/video/2024-05-01T10-00-00.000Z_bundle.jsonl',
    'section/9/video/2024-05-02T10-00-00.000Z_bundle.jsonl',
  ];

  beforeAll(async () => {
    h = await startHarness();
    const voidedId = randomUUID();
    const day1 = [
      statement('A', 'a1', 'initialized', '2024-05-01T09:00:00Z'),
      statement('A', 'a1', 'paused', '2024-05-01T09:00:05Z', {
        ...seg('0[.]4.5'),
        [`${P}/extensions/time`]: 4.5,
      }),
      statement('B', 'b1', 'initialized', '2024-05-01T09:10:00Z'),
      statement('B', 'b1', 'seeked', '2024-05-01T09:10:02Z', {
        [`${P}/extensions/time-from`]: 2,
        [`${P}/extensions/time-to`]: 8,
      }),
      statement('B', 'b1', 'terminated', '2024-05-01T09:10:05Z', {
        ...seg('0[.]2[,]8[.]10'),
        [`${P}/extensions/time`]: 10,
      }),
      statement('C', 'c1', 'initialized', '2024-05-01T09:20:00Z'),
      statement('D', 'd1', 'initialized', '2024-05-01T09:30:00Z'),
      statement('D', 'd1', 'paused', '2024-05-01T09:30:10Z', seg('0[.]9.5'), voidedId),
      statement('E', 'e1', 'initialized', '2024-05-01T09:40:00Z'),
      statement('E', 'e1', 'completed', '2024-05-01T09:40:10Z', {
        ...seg('0[.]9.2'),
        [`${P}/extensions/time`]: 9.2,
        [`${P}/extensions/progress`]: 0.92,
      }),
    ];
    const day2 = [
      statement('A', 'a2', 'initialized', '2024-05-02T09:00:00Z'),
      statement('A', 'a2', 'terminated', '2024-05-02T09:00:03Z', {
        ...seg('3[.]6'),
        [`${P}/extensions/time`]: 6,
      }),
      {
        id: randomUUID(),
        actor: { mbox: 'mailto:admin@lms.example.org' },
        verb: { id: 'http://adlnet.gov/expapi/verbs/voided' },
        object: { objectType: 'StatementRef', id: voidedId },
        timestamp: '2024-05-02T10:00:00Z',
      },
    ];
    await h.s3.put(h.bucket, keys[0] as string, day1.map((s) => JSON.stringify(s)).join('\n'));
    await h.s3.put(h.bucket, keys[1] as string, day2.map((s) => JSON.stringify(s)).join('\n'));
    // Loaded once for all tests, which only read (the forced reload leaves the numbers as they are).
    await load(false);
  });
  afterAll(async () => {
    await h?.close();
  });

  async function load(force: boolean) {
    // One file per INSERT: viewer A's two sessions arrive in different insert blocks.
    for (const key of keys) {
      await ingest(h.rt, [await headObject(h.rt.s3, h.bucket, key)], { mode: 'cli', force });
    }
  }

  async function retention(): Promise<number[]> {
    const rows = await h.query<{ second: number; share: number; total_viewers: number }>(
      'SELECT second, share, total_viewers FROM video_retention WHERE video_id = {v:String} ORDER BY second',
      { v: VIDEO },
    );
    expect(rows.map((r) => Number(r.second))).toEqual([...Array(10).keys()]);
    expect(new Set(rows.map((r) => Number(r.total_viewers)))).toEqual(new Set([5]));
    return rows.map((r) => Number(r.share));
  }

  it('computes audience retention that matches the hand-computed curve', async () => {
    const curve = await retention();
    curve.forEach((share, i) => {
      expect(share).toBeCloseTo(EXPECTED_RETENTION[i] as number, 9);
    });
  });

  it('honours the completion threshold and ignores voided statements', async () => {
    const [video] = await h.query<Record<string, number>>(
      'SELECT viewers, completers, completion_rate, viewers_with_completed_statement FROM video_completion WHERE video_id = {v:String}',
      { v: VIDEO },
    );
    expect(Number(video?.viewers)).toBe(5);
    expect(Number(video?.completers)).toBe(1); // E: 0.92 ≥ 0.9; D's 0.95 was voided
    expect(Number(video?.completion_rate)).toBeCloseTo(0.2, 9);
    const [section] = await h.query<Record<string, number>>(
      "SELECT viewers, completers FROM section_video_completion WHERE section_id = '9'",
    );
    expect([Number(section?.viewers), Number(section?.completers)]).toEqual([5, 1]);
  });

  it('reports watch time, drop-off points and seek hot spots', async () => {
    const watch = await h.query<{
      actor_key: string;
      watch_seconds: number;
      unique_seconds: number;
      sessions: number;
    }>(
      "SELECT actor_key, watch_seconds, unique_seconds, sessions FROM learner_watch_time WHERE section_id = '9' ORDER BY actor_key",
    );
    const byLearner = Object.fromEntries(
      watch.map((w) => [
        w.actor_key.split('::').at(-1),
        [Number(w.watch_seconds), Number(w.unique_seconds), Number(w.sessions)],
      ]),
    );
    // A re-watched 3–4.5: 4.5 + 3 = 7.5 s of play, 6 distinct seconds, in 2 sessions.
    expect(byLearner).toEqual({ A: [7.5, 6, 2], B: [4, 4, 1], C: [0, 0, 1], D: [0, 0, 1], E: [9.2, 9.2, 1] });

    const drops = await h.query<{ percent: number; sessions: number }>(
      'SELECT percent, sessions FROM video_drop_off WHERE video_id = {v:String} ORDER BY percent',
      { v: VIDEO },
    );
    // a1 left at 4.5 s (45%), a2 at 6 s (60%); B ended at the end; E's 9.2 s is within the last second.
    expect(drops.map((d) => [Number(d.percent), Number(d.sessions)])).toEqual([
      [45, 1],
      [60, 1],
    ]);

    const seeks = await h.query<{ to_second: number; seeks: number; forward_seeks: number }>(
      'SELECT to_second, seeks, forward_seeks FROM video_seek_hotspots WHERE video_id = {v:String}',
      { v: VIDEO },
    );
    expect(seeks.map((s) => [Number(s.to_second), Number(s.seeks), Number(s.forward_seeks)])).toEqual([
      [5, 1, 1],
    ]);
  });

  it('counts active learners per day and verbs over time', async () => {
    const days = await h.query<{ day: string; active_learners: number }>(
      "SELECT toString(day) AS day, active_learners FROM daily_active_learners WHERE section_id = '9' ORDER BY day",
    );
    // Day 1: A, B, C, E (D's only other statement is initialized → D counts too); day 2: A (the admin's voiding aside).
    expect(days.map((d) => [d.day, Number(d.active_learners)])).toEqual([
      ['2024-05-01', 5],
      ['2024-05-02', 1],
    ]);
    const verbsDay1 = await h.query<{ verb_id: string; statements: number }>(
      "SELECT verb_id, statements FROM daily_verbs WHERE section_id = '9' AND day = '2024-05-01' ORDER BY verb_id",
    );
    expect(Object.fromEntries(verbsDay1.map((v) => [v.verb_id, Number(v.statements)]))).toEqual({
      [verbs.completed]: 1,
      [verbs.initialized]: 5,
      [verbs.paused]: 1, // A's; D's paused is voided
      [verbs.seeked]: 1,
      [verbs.terminated]: 1,
    });
  });

  it('gives the same numbers after a forced reload (duplicates before merge)', async () => {
    await load(true);
    const [dups] = await h.query<{ n: number }>('SELECT count() AS n FROM video_events');
    expect(Number(dups?.n)).toBeGreaterThan(11); // the raw table holds both loads until a merge
    const curve = await retention();
    curve.forEach((share, i) => {
      expect(share).toBeCloseTo(EXPECTED_RETENTION[i] as number, 9);
    });
    const [video] = await h.query<Record<string, number>>(
      'SELECT viewers, completers FROM video_completion WHERE video_id = {v:String}',
      { v: VIDEO },
    );
    expect([Number(video?.viewers), Number(video?.completers)]).toEqual([5, 1]);
  });
});
