/**
 * The analytics refresh's rows read per file in event mode as a day grows (issue #20, "a refresh bounded by what
 * the batch touched"): one course, one day, an audience of 400 learners whose statements (half of them video
 * events on 6 videos) fill the day in bulk, to 300,000; at each size one S3 notification brings a file of a new
 * learner's 25 statements. Each refresh view is run again for that file's load alone and ClickHouse's own count
 * of rows read is taken (FORMAT JSON `statistics.rows_read`, subqueries included), beside v0.1.0's refresh of the
 * day (`daily_refresh`, which re-reads the whole day).
 *
 *   npm run bench:refresh            (a few minutes; embedded engine, s3rver)
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/env.js';
import { ingest } from '../src/load/ingest.js';
import { headObject } from '../src/plan/s3-objects.js';
import { createRuntime } from '../src/runtime.js';
import { startLocalS3 } from '../src/tools/local-s3/local-s3.js';
import { migrate } from '../src/upgrade/migrate.js';

const AUDIENCE = 400;
const BULK_FILE = 20_000;
/** The day's statements before each probe: grown by bulk files of the audience's statements. */
const STAGES = (process.env.REFRESH_BENCH_STAGES ?? '0,20000,100000,300000').split(',').map(Number);
const VIEWS = [
  ['video_viewer_refresh', 'a viewer, from its events'],
  ['video_refresh', 'a video, from its viewers'],
  ['learner_refresh', 'a learner, from their viewers'],
  ['section_refresh', 'a section, from its videos and learners'],
  ['actor_day_refresh', "a learner's day, from their statements"],
  ['day_refresh', "a day, from its learners' days"],
  ['daily_refresh', "v0.1.0's day, from the day's statements"],
] as const;
const VIDEO = 'https://w3id.org/xapi/video/verbs/';

/** `count` statements of `learner(i)`, half of them video events, on 2024-05-01. */
function statements(count: number, learner: (i: number) => string, offset: number): string {
  const lines: string[] = [];
  for (let i = 0; i < count; i++) {
    const video = i % 2 === 0;
    const t = new Date(Date.UTC(2024, 4, 1, 8, 0, 0) + ((offset + i) % 50_000) * 1000).toISOString();
    lines.push(
      JSON.stringify({
        id: randomUUID(),
        actor: { mbox: `mailto:${learner(i)}@example.com`, objectType: 'Agent' },
        verb: video
          ? { id: `${VIDEO}played`, display: { 'en-US': 'played' } }
          : { id: 'http://adlnet.gov/expapi/verbs/answered', display: { 'en-US': 'answered' } },
        object: {
          id: video ? `https://example.com/video/${i % 6}` : `https://example.com/question/${i % 50}`,
          objectType: 'Activity',
          ...(video ? { definition: { type: 'https://w3id.org/xapi/video/activity-type/video' } } : {}),
        },
        ...(video
          ? {
              result: { extensions: { 'https://w3id.org/xapi/video/extensions/time': i % 600 } },
              context: {
                extensions: {
                  'https://w3id.org/xapi/video/extensions/session-id': `s-${learner(i)}-${i % 6}`,
                  'https://w3id.org/xapi/video/extensions/length': 600,
                },
              },
            }
          : {}),
        timestamp: t,
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

async function main(): Promise<void> {
  // s3rver's credentials, for the SDK and for ClickHouse's s3() alike.
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  process.env.AWS_REGION ??= 'us-east-1';
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-refresh-bench-'));
  const s3 = await startLocalS3();
  await s3.createBucket('xapi');
  const rt = await createRuntime(
    loadConfig({
      ...process.env,
      XAPI_ETL_DATA_DIR: dataDir,
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      S3_XAPI_BUCKET_NAME: 'xapi',
    }),
  );
  const client = rt.engine.client;
  await migrate(client);
  const rowsRead = async (view: string, loadId: string): Promise<number> => {
    const rs = await client.query({
      query: `SELECT * FROM ${view}(load_ids = {ids:Array(UUID)})`,
      query_params: { ids: [loadId] },
      format: 'JSON',
      clickhouse_settings: { join_use_nulls: 0 },
    });
    const body = (await rs.json()) as { statistics?: { rows_read?: number } };
    return Number(body.statistics?.rows_read ?? Number.NaN);
  };
  const rows: string[][] = [];
  let day = 0;
  let bulkFiles = 0;
  const load = async (key: string, body: string, mode: 'event' | 'cli') => {
    await s3.put('xapi', key, body);
    const result = await ingest(rt, [await headObject(rt.s3, 'xapi', key)], { mode });
    const loadId = result.files[0]?.load_id;
    if (!loadId || result.totals.files_failed > 0) throw new Error(`${key} did not load`);
    return loadId;
  };
  for (const [probe, stage] of STAGES.entries()) {
    // The day grows: the audience's statements, in bulk.
    while (day < stage) {
      const n = Math.min(BULK_FILE, stage - day);
      const key = `section/course1/video/2024-05-01T00-00-00.000Z_bulk${String(++bulkFiles).padStart(3, '0')}.jsonl`;
      await load(
        key,
        statements(n, (i) => `learner${(day + i) % AUDIENCE}`, day),
        'cli',
      );
      day += n;
    }
    // Then one S3 notification: a new learner's 25 statements, as event mode loads it.
    const key = `section/course1/video/2024-05-01T12-00-00.000Z_probe${probe}.jsonl`;
    const loadId = await load(
      key,
      statements(25, () => `probe${probe}`, day),
      'event',
    );
    const read: string[] = [];
    for (const [view] of VIEWS) read.push(String(await rowsRead(view, loadId)));
    rows.push([String(day), ...read]);
    process.stderr.write(`day of ${day} statements: ${read.join(' ')}\n`);
    day += 25;
  }
  // The same probe once the background merges have caught up: a key's range is then one part's granules.
  for (const table of ['statements', 'video_events', 'video_viewer_state', 'actor_day_state'])
    await client.command({ query: `OPTIMIZE TABLE ${table} FINAL` });
  const merged = await load(
    'section/course1/video/2024-05-01T12-00-00.000Z_probe-merged.jsonl',
    statements(25, () => 'probe-merged', day),
    'event',
  );
  const read: string[] = [];
  for (const [view] of VIEWS) read.push(String(await rowsRead(view, merged)));
  rows.push([`${day} (parts merged)`, ...read]);
  const head = ['statements in the day', ...VIEWS.map(([v]) => `\`${v}\``)];
  console.log(`| ${head.join(' | ')} |`);
  console.log(`|${head.map(() => ' ---: ').join('|')}|`);
  for (const r of rows) console.log(`| ${r.join(' | ')} |`);
  console.log();
  for (const [v, what] of VIEWS) console.log(`- \`${v}\`: ${what}`);
  await rt.close();
  await s3.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}

await main();
