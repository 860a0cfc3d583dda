/**
 * The scale scenario, in one fresh process with its own embedded engine (run by bench/run.ts):
 *   1. load the base data (≥ 2M statements over ≥ 50 sections, one section ≥ 200k) through `process`;
 *   2. time every view for one ordinary section and for the big one, and the all-section summaries, in
 *      this warm process, against the query-time reference views (the first version's SQL) on the same rows;
 *   3. time event-mode loads of one 250-statement bundle into the big section and into empty sections;
 *   4. let every other ordinary section grow 4×, and time the measured section's views again.
 * Usage: node --import tsx bench/scale/child.ts '<ScaleSpec as JSON>'  (prints `RESULT {json}`)
 */

import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { processFiles } from '../../src/cli/process-files.js';
import { loadConfig } from '../../src/config/env.js';
import { runEvent } from '../../src/modes/event.js';
import { createRuntime } from '../../src/runtime.js';
import { splitStatements } from '../../src/schema/migration-files.js';
import { generateLines } from '../../src/tools/generate/bundles.js';
import { voidingStatement } from '../../src/tools/generate/statement.js';
import { startLocalS3 } from '../../src/tools/local-s3/local-s3.js';
import { migrate } from '../../src/upgrade/migrate.js';
import { ROOT } from '../spawn.js';
import { median } from '../stats.js';
import { BIG_SECTION, MEASURED_SECTION, type ScaleSize, type WrittenSet } from './dataset.js';
import { ALL_SECTION_QUERIES, type QueryTiming, SECTION_QUERIES, timeAll } from './queries.js';

export interface ScaleSpec {
  size: ScaleSize;
  dataDir: string;
  base: WrittenSet;
  growth: WrittenSet;
}

export interface LoadTiming {
  statements: number;
  bytes: number;
  files: number;
  ms: number;
}

export interface ScaleResult {
  base: LoadTiming;
  growth: LoadTiming;
  sizes: { phase: string; statements: number; sections: number; measured: number; big: number }[];
  measured: { maintained: QueryTiming[]; reference: QueryTiming[]; afterGrowth: QueryTiming[] };
  big: { maintained: QueryTiming[]; reference: QueryTiming[] };
  allSections: { maintained: QueryTiming[]; reference: QueryTiming[]; afterGrowth: QueryTiming[] };
  eventLoad: { intoBigMs: number[]; intoEmptyMs: number[]; bigSectionStatements: number };
  /** Voiding statements delivered in one section's folder, naming statements of every section (xAPI: by id). */
  crossVoids: {
    voids: number;
    sections: number;
    loadMs: number;
    active: number;
    referenceActive: number;
    statements: number;
  };
}

const spec = JSON.parse(process.argv[2] ?? '{}') as ScaleSpec;
const log = (m: string) => process.stderr.write(`[scale] ${m}\n`);
const s3 = await startLocalS3({ directory: path.join(spec.dataDir, 's3') });
const bucket = 'scale-events';
await s3.createBucket(bucket);
// The SDK (and what it hands ClickHouse for s3()) reads credentials from the environment.
Object.assign(process.env, {
  AWS_ENDPOINT_URL_S3: s3.endpoint,
  AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
  AWS_REGION: 'us-east-1',
});
const rt = await createRuntime(
  loadConfig({ ...process.env, XAPI_ETL_DATA_DIR: spec.dataDir, CLICKHOUSE_DATABASE: 'bench' }),
);
const client = rt.engine.client;
await migrate(client);
const reference = fs.readFileSync(path.join(ROOT, 'test/reference/query-time-analytics.sql'), 'utf8');
for (const statement of splitStatements(reference)) await client.command({ query: statement });

const load = async (set: WrittenSet): Promise<LoadTiming> => {
  const t0 = performance.now();
  const r = await processFiles(rt, [set.dir], { mode: 'bench' });
  if (r.totals.files_failed > 0) throw new Error(`load failed: ${r.files.find((f) => f.error)?.error}`);
  return { statements: set.statements, bytes: set.bytes, files: set.files, ms: performance.now() - t0 };
};
const sizes = async (phase: string) => {
  const [row] = await (
    await client.query({
      query: `SELECT count() AS statements, uniqExact(section_id) AS sections,
                countIf(section_id = {measured:String}) AS measured, countIf(section_id = {big:String}) AS big
              FROM statements`,
      query_params: { measured: MEASURED_SECTION, big: BIG_SECTION },
      format: 'JSONEachRow',
    })
  ).json<Record<string, string>>();
  return {
    phase,
    statements: Number(row?.statements),
    sections: Number(row?.sections),
    measured: Number(row?.measured),
    big: Number(row?.big),
  };
};

log(`loading the base: ${spec.base.statements} statements in ${spec.base.files} files`);
const base = await load(spec.base);
const result: Partial<ScaleResult> = { base, sizes: [await sizes('base')] };

// Voids delivered in one section's folder that name statements of every section (as the held-out check does:
// ~0.35 % of the statements, all in one file of section "ops").
const rows = async <T>(query: string, params: Record<string, unknown> = {}) =>
  (await client.query({ query, query_params: params, format: 'JSONEachRow' })).json<T>();
const targets = await rows<{ id: string; section: string }>(
  `SELECT toString(statement_id) AS id, section_id AS section FROM statements
   WHERE voided_statement_id IS NULL ORDER BY cityHash64(statement_id) LIMIT {n:UInt32}`,
  { n: Math.round(spec.base.statements * 0.0035) },
);
const voidsDir = path.join(spec.dataDir, 'cross-voids');
const voidsFile = path.join(voidsDir, 'section/ops/admin/2025-01-01T00-00-00.000Z_voids.jsonl');
fs.mkdirSync(path.dirname(voidsFile), { recursive: true });
fs.writeFileSync(
  voidsFile,
  `${targets.map((t) => JSON.stringify(voidingStatement(randomUUID(), t.id, Date.UTC(2025, 0, 1)))).join('\n')}\n`,
);
const tv = performance.now();
await processFiles(rt, [voidsDir], { mode: 'bench' });
const voidsMs = performance.now() - tv;
const [active] = await rows<{ maintained: string; reference: string; statements: string }>(
  `SELECT (SELECT count() FROM statements_active) AS maintained, (SELECT count() FROM ref_statements_active) AS reference,
          (SELECT count() FROM statements FINAL) AS statements`,
);
result.crossVoids = {
  voids: targets.length,
  sections: new Set(targets.map((t) => t.section)).size,
  loadMs: voidsMs,
  active: Number(active?.maintained),
  referenceActive: Number(active?.reference),
  statements: Number(active?.statements),
};
log(
  `cross-section voids: ${targets.length} in ${voidsMs.toFixed(0)} ms; active ${active?.maintained} (reference ${active?.reference})`,
);

const q = spec.size.queryReps;
const rq = spec.size.referenceQueryReps;
const measured = { section: MEASURED_SECTION };
const big = { section: BIG_SECTION };
log('timing the views');
result.measured = {
  maintained: await timeAll(client, SECTION_QUERIES, '', measured, q),
  reference: await timeAll(client, SECTION_QUERIES, 'ref_', measured, rq),
  afterGrowth: [],
};
result.big = {
  maintained: await timeAll(client, SECTION_QUERIES, '', big, q),
  reference: await timeAll(client, SECTION_QUERIES, 'ref_', big, rq),
};
result.allSections = {
  maintained: await timeAll(client, ALL_SECTION_QUERIES, '', {}, q),
  reference: await timeAll(client, ALL_SECTION_QUERIES, 'ref_', {}, rq),
  afterGrowth: [],
};

log('event-mode loads of 250 statements: into the big section, into empty sections');
const intoBig: number[] = [];
const intoEmpty: number[] = [];
for (let i = 0; i < spec.size.eventReps; i++) {
  for (const target of ['big', 'empty'] as const) {
    const lines: string[] = [];
    for (const l of generateLines({
      seed: `scale-event-${target}-${i}`,
      sections: 1,
      firstSection: 0,
      learnersPerSection: 100,
      videosPerSection: spec.size.videos,
      days: 3,
      startDate: '2025-06-01',
      brokenPerSection: 0,
      voidedPerSection: 0,
    })) {
      lines.push(l.text);
      if (lines.length === 250) break;
    }
    if (lines.length !== 250) throw new Error('expected a 250-statement bundle');
    const section = target === 'big' ? BIG_SECTION : `empty-${i}`;
    const key = `section/${section}/video/2025-06-0${1 + i}T00-00-00.000Z_event.jsonl`;
    await s3.put(bucket, key, `${lines.join('\n')}\n`);
    const t0 = performance.now();
    const r = await runEvent(rt, [{ bucket, key }]);
    const ms = performance.now() - t0;
    if (!r.success || r.events_processed !== 250)
      throw new Error(`event load failed: ${r.files[0]?.error ?? JSON.stringify(r)}`);
    (target === 'big' ? intoBig : intoEmpty).push(ms);
  }
}
const bigNow = await sizes('after event loads');
result.eventLoad = { intoBigMs: intoBig, intoEmptyMs: intoEmpty, bigSectionStatements: bigNow.big };
log(`event loads: big ${median(intoBig).toFixed(0)} ms, empty ${median(intoEmpty).toFixed(0)} ms`);

log(`growing the other sections: ${spec.growth.statements} statements in ${spec.growth.files} files`);
result.growth = await load(spec.growth);
result.sizes?.push(await sizes('after growth'));
result.measured.afterGrowth = await timeAll(client, SECTION_QUERIES, '', measured, q);
result.allSections.afterGrowth = await timeAll(client, ALL_SECTION_QUERIES, '', {}, q);

process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
await s3.close();
// Exit without closing the engine: the data directory is thrown away.
process.exit(0);
