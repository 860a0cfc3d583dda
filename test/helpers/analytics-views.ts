import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { ingest } from '../../src/load/ingest.js';
import { headObject } from '../../src/plan/s3-objects.js';
import type { SourceObject } from '../../src/plan/source-object.js';
import type { Runtime } from '../../src/runtime.js';
import { bundleBody, generateBundles } from '../../src/tools/generate/bundles.js';
import { SeededRandom } from '../../src/tools/generate/random.js';
import { voidingStatement } from '../../src/tools/generate/statement.js';
import { FIXTURES, type Harness, RALPH_SAMPLE } from './harness.js';

/**
 * The public analytics views, each as a normalised projection (rounded floats, sorted arrays, booleans as
 * 0/1) in a total order, so two databases or two computations can be compared row by row; and a data set
 * that exercises them (generated sessions split across small bundles with voiding, late voids in files of
 * their own, re-deliveries in other files, the fixtures).
 */
export const VIEWS: { name: string; columns: string; order: string }[] = [
  {
    name: 'video_sessions',
    columns: `section_id, video_id, actor_key, session_id, video_name, started_at, ended_at, round(video_length, 6),
      round(completion_threshold, 6), session_segments, round(watch_seconds, 6), round(last_position, 6),
      toUInt8(has_completed_statement), seeks, events`,
    order: 'section_id, video_id, actor_key, session_id',
  },
  {
    name: 'video_viewers',
    columns: `section_id, video_id, actor_key, video_name, sessions, first_seen, last_seen, round(video_length, 6),
      round(completion_threshold, 6), arraySort(arrayMap(s -> (s.1, s.2), segments)) AS segments, round(unique_seconds, 6), round(watch_seconds, 6),
      round(progress, 6), toUInt8(has_completed_statement), toUInt8(completed)`,
    order: 'section_id, video_id, actor_key',
  },
  {
    name: 'video_retention',
    columns: 'section_id, video_id, video_name, second, viewers, total_viewers, round(share, 9)',
    order: 'section_id, video_id, second',
  },
  {
    name: 'video_completion',
    columns: `section_id, video_id, video_name, round(video_length, 6), round(completion_threshold, 6), viewers,
      completers, viewers_with_completed_statement, round(completion_rate, 9), round(avg_progress, 9)`,
    order: 'section_id, video_id',
  },
  {
    name: 'section_video_completion',
    columns: 'section_id, videos, learners, viewers, completers, round(completion_rate, 9)',
    order: 'section_id',
  },
  {
    name: 'learner_watch_time',
    columns: `section_id, actor_key, videos_watched, sessions, round(watch_seconds, 3), round(unique_seconds, 3),
      videos_completed, first_seen, last_seen`,
    order: 'section_id, actor_key',
  },
  {
    name: 'video_drop_off',
    columns: 'section_id, video_id, video_name, percent, sessions',
    order: 'section_id, video_id, percent',
  },
  {
    name: 'video_seek_hotspots',
    columns: 'section_id, video_id, video_name, to_second, seeks, forward_seeks, learners',
    order: 'section_id, video_id, to_second',
  },
  {
    name: 'daily_active_learners',
    columns: 'day, section_id, active_learners, statements',
    order: 'day, section_id',
  },
  {
    name: 'daily_verbs',
    columns: 'day, section_id, verb_id, verb_display, statements',
    order: 'day, section_id, verb_id',
  },
  { name: 'statements_active', columns: 'section_id, statement_id', order: 'section_id, statement_id' },
  { name: 'video_events_active', columns: 'section_id, statement_id', order: 'section_id, statement_id' },
];

/** A statement of the ralph sample (section 123) that a file of section "ops" voids. */
export const RALPH_CROSS_VOIDED = 'b1c213ab-13d9-44a7-a25d-27cab841d627';

export interface Dataset {
  keys: string[];
  /** Files holding statements that other files already hold (an upstream at-least-once re-delivery). */
  redeliveries: string[];
}

/** Generated sessions split across small bundles (with voiding and broken lines), and the fixtures. */
export async function putDataset(h: Harness): Promise<Dataset> {
  const keys: string[] = [];
  const generated = [
    ...generateBundles({
      seed: 'reference',
      sections: 3,
      videosPerSection: 3,
      learnersPerSection: 9,
      days: 6,
      bundleStatements: 45,
      voidedPerSection: 3,
      brokenPerSection: 2,
    }),
  ];
  for (const b of generated) {
    await h.s3.put(h.bucket, b.key, bundleBody(b));
    keys.push(b.key);
  }
  const ralph = 'section/123/video/2021-11-24T00-00-00.000Z_bundle.jsonl';
  await h.s3.put(h.bucket, ralph, fs.readFileSync(RALPH_SAMPLE));
  keys.push(ralph);
  for (const f of fs.readdirSync(path.join(FIXTURES, 'openedx-shaped'))) {
    const key = `section/9/video/2024-03-06T00-00-00.000Z_${f}`;
    await h.s3.put(h.bucket, key, fs.readFileSync(path.join(FIXTURES, 'openedx-shaped', f)));
    keys.push(key);
  }
  // Conformance statements: no ids (derived from content), some without timestamps (the file's time).
  const adl = fs
    .readFileSync(path.join(FIXTURES, 'adl-conformance-v1_0_3/v1_0_3.valid.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.stringify((JSON.parse(l) as { statement: unknown }).statement));
  const adlKey = 'section/adl/conformance/2024-06-01T00-00-00.000Z_bundle.jsonl';
  await h.s3.put(h.bucket, adlKey, `${adl.join('\n')}\n`);
  keys.push(adlKey);

  // Late voids: a file of its own, after everything else of its section, voids statements of viewers and
  // days that nothing later touches: only the voiding can bring their analytics up to date.
  const rng = new SeededRandom('late-voids');
  for (const sectionId of new Set(generated.map((b) => b.sectionId))) {
    const first = generated.find((b) => b.sectionId === sectionId) as (typeof generated)[number];
    const targets = first.lines.filter((l) => l.kind === 'statement').slice(0, 6);
    const voids = targets.map((t) =>
      JSON.stringify(voidingStatement(rng.uuid(), t.statementId as string, Date.UTC(2024, 11, 31))),
    );
    const key = `section/${sectionId}/video/2024-12-31T00-00-00.000Z_late-voids.jsonl`;
    await h.s3.put(h.bucket, key, `${voids.join('\n')}\n`);
    keys.push(key);
  }
  // …and one Open edX-shaped play statement, loaded long before.
  const edxVoid = 'section/9/video/2024-12-31T00-00-00.000Z_late-voids.jsonl';
  await h.s3.put(
    h.bucket,
    edxVoid,
    JSON.stringify(
      voidingStatement(rng.uuid(), 'a7c1e0f2-3b4d-5e6f-8a9b-000000000003', Date.UTC(2024, 11, 31)),
    ),
  );
  keys.push(edxVoid);

  // Voids delivered in another section's folder: xAPI voids by statement id, whatever the section (§2.3.2). One
  // file under section "ops" voids statements of every generated section and one of the ralph sample.
  const crossVoids = [...new Set(generated.map((b) => b.sectionId))].flatMap((sectionId) => {
    const last = generated.filter((b) => b.sectionId === sectionId).at(-1) as (typeof generated)[number];
    return last.lines
      .filter((l) => l.kind === 'statement')
      .slice(-3)
      .map((t) => voidingStatement(rng.uuid(), t.statementId as string, Date.UTC(2024, 11, 30)));
  });
  crossVoids.push(voidingStatement(rng.uuid(), RALPH_CROSS_VOIDED, Date.UTC(2024, 11, 30)));
  const crossKey = 'section/ops/admin/2024-12-30T00-00-00.000Z_voids.jsonl';
  await h.s3.put(h.bucket, crossKey, `${crossVoids.map((v) => JSON.stringify(v)).join('\n')}\n`);
  keys.push(crossKey);

  // Every tenth generated bundle arrives a second time under another name, a day later.
  const redeliveries: string[] = [];
  for (const b of generated.filter((_, i) => i % 10 === 3)) {
    const key = b.key.replace('_bundle.jsonl', '_redelivered.jsonl');
    await h.s3.put(h.bucket, key, bundleBody(b));
    redeliveries.push(key);
  }
  return { keys, redeliveries };
}

export function withBatches(rt: Runtime, maxFiles: number): Runtime {
  return { ...rt, config: { ...rt.config, batch: { ...rt.config.batch, maxFiles } } };
}

export async function loadKeys(rt: Runtime, h: Harness, keys: string[], options: { force?: boolean } = {}) {
  const objects: SourceObject[] = [];
  for (const key of keys) objects.push(await headObject(h.rt.s3, h.bucket, key));
  const result = await ingest(rt, objects, { mode: 'cli', force: options.force });
  expect(result.totals.files_failed, result.files.find((f) => f.error)?.error).toBe(0);
}

export type Rows = Record<string, unknown>[];

export async function snapshot(h: Harness, prefix = ''): Promise<Record<string, Rows>> {
  const out: Record<string, Rows> = {};
  for (const v of VIEWS) {
    out[v.name] = await h.query(`SELECT ${v.columns} FROM ${prefix}${v.name} ORDER BY ${v.order}`);
  }
  return out;
}
