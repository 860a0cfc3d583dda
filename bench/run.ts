/**
 * `npm run bench [-- --quick] [-- --only id,id] [-- --settings name=value,…] [-- --reps N] [-- --out FILE]`
 *
 * Measures the load paths side by side in one run and rewrites BENCHMARKS.md (bench/report.ts: the machine,
 * the results and targets, how to reproduce; tables unpadded, as the repository's Markdown is written, so
 * nothing formats the file afterwards; the notes stay in bench/notes.md): generates the data,
 * starts a local S3 (s3rver) in this process, runs every measurement in a fresh child process with its
 * own embedded-engine data directory (repetitions interleaved, so that background load spreads over
 * all of them), then the Lambda side (built bundle: size, cold start, memory while coordinating bulk).
 *
 * Runs with `--openssl-legacy-provider`: s3rver (hosted in this process) encrypts ListObjectsV2
 * continuation tokens with DES, which OpenSSL 3 only has in its legacy provider; without it any listing
 * longer than one page (1,000 keys) fails with InternalError.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { startLocalS3 } from '../src/tools/local-s3/local-s3.js';
import { generateData, splitIntoBundles, uploadBundles, writeLocalFile } from './data.js';
import { type LambdaResults, measureLambda } from './lambda/measure-lambda.js';
import { loadAverage, machineInfo } from './machine.js';
import { type BenchSize, FULL, type Measure, measures, QUICK } from './plan.js';
import { renderReport } from './report.js';
import type { ScaleResult, ScaleSpec } from './scale/child.js';
import { FULL_SCALE, QUICK_SCALE, writeBase, writeGrowth } from './scale/dataset.js';
import { ROOT, runChild, tempDir } from './spawn.js';
import type { ScenarioResult, ScenarioSpec } from './types.js';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    only: { type: 'string' },
    settings: { type: 'string' },
    reps: { type: 'string' },
    statements: { type: 'string' },
    out: { type: 'string' },
    'no-lambda': { type: 'boolean', default: false },
  },
});
const size: BenchSize = { ...(args.quick ? QUICK : FULL) };
if (args.reps) size.reps = Number(args.reps);
if (args.statements) size.statements = Number(args.statements);
const settings = parseSettings(args.settings);
const started = Date.now();
const log = (m: string) =>
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0)}s] ${m}\n`);
const loadAtStart = loadAverage();

const work = tempDir('data');
const s3 = await startLocalS3({ directory: path.join(work, 's3') });
try {
  log(`generating ${size.statements.toLocaleString('en-US')} statements`);
  const data = generateData(size.statements);
  const localFile = writeLocalFile(data, path.join(work, 'local'));
  // Migrating the engine template (a child process) overlaps the uploads (this process).
  const template = path.join(work, 'engine-template');
  const preparing = runChild<{ engineVersion: string; migrateMs: number }>(
    'bench/prepare-template.ts',
    [template],
    {},
  );
  preparing.catch(() => undefined);
  const buckets = size.fileCounts.map((n) => `bench-${n}-files`);
  const only = args.only?.split(',');
  const withLambda = !args['no-lambda'] && (!only || only.includes('lambda'));
  const sources = {
    localFile,
    // The one-file bucket serves both `process s3://…` and the bulk-mode one-file baseline.
    oneFile: { bucket: buckets[0] as string, key: splitIntoBundles(data, 1).next().value?.key as string },
    buckets,
    startDate: data.startDate,
    endDate: data.endDate,
  };
  const plan = measures(size, sources).filter((m) => !only || only.includes(m.id));
  // Upload only what the selected measurements read (the Lambda part reads the 1-file bucket and one many-files bucket).
  const needed = new Set(plan.flatMap((m) => ('bucket' in m.source ? [m.source.bucket] : [])));
  if (withLambda) {
    for (const b of [buckets[0], buckets[size.lambdaFilesIndex]]) needed.add(b as string);
  }
  const uploads: Record<string, number> = {};
  for (const [i, files] of size.fileCounts.entries()) {
    if (!needed.has(buckets[i] as string)) continue;
    const up = await uploadBundles(s3, buckets[i] as string, data, files);
    uploads[files] = up.ms;
    log(`uploaded ${files} file(s) to s3rver in ${(up.ms / 1000).toFixed(1)} s`);
  }
  const env = {
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
    AWS_REGION: 'us-east-1',
  };

  const prepared = await preparing;
  const engineVersion = prepared.engineVersion;
  log(
    `migrated the engine template in ${(prepared.migrateMs / 1000).toFixed(1)} s (ClickHouse ${engineVersion})`,
  );

  const results = new Map<string, ScenarioResult[]>(plan.map((m) => [m.id, []]));
  for (let rep = 1; rep <= size.reps; rep++) {
    for (const m of plan) {
      if (m.slow && rep > size.slowReps) continue;
      const r = await runMeasure(m, template, env);
      results.get(m.id)?.push(r);
      log(
        `rep ${rep}/${size.reps} ${m.id}: ${(r.ms / 1000).toFixed(2)} s, ${r.lines} lines, peak RSS ${mb(r.peakRssBytes)} MB`,
      );
    }
  }

  let scale: { result: ScaleResult; spec: ScaleSpec } | undefined;
  if (!only || only.includes('scale')) scale = await measureScale();

  let lambda: LambdaResults | undefined;
  if (withLambda) {
    log('Lambda: build, cold starts, bulk coordination memory');
    lambda = await measureLambda({
      s3,
      env,
      template,
      coldStarts: size.coldStarts,
      oneFileBucket: buckets[0] as string,
      manyFilesBucket: buckets[size.lambdaFilesIndex] as string,
      manyFiles: size.fileCounts[size.lambdaFilesIndex],
      startDate: data.startDate,
      endDate: data.endDate,
      log,
    });
  }

  const out = path.resolve(ROOT, args.out ?? 'BENCHMARKS.md');
  fs.writeFileSync(
    out,
    renderReport({
      quick: Boolean(args.quick),
      size,
      settings,
      machine: machineInfo(),
      engineVersion,
      loadAtStart,
      loadAtEnd: loadAverage(),
      durationS: (Date.now() - started) / 1000,
      data: { statements: data.lines.length, bytes: data.bytes },
      uploadsMs: uploads,
      plan,
      results,
      scale,
      lambda,
    }),
  );
  log(`wrote ${path.relative(process.cwd(), out)}`);
} finally {
  await s3.close();
  fs.rmSync(work, { recursive: true, force: true });
}

/** The scale scenario (bench/scale/): data written here, measured in one fresh child process. */
async function measureScale(): Promise<{ result: ScaleResult; spec: ScaleSpec }> {
  const scaleSize = args.quick ? QUICK_SCALE : FULL_SCALE;
  const dir = tempDir('scale');
  try {
    log('scale: generating the base data and the growth');
    const spec: ScaleSpec = {
      size: scaleSize,
      dataDir: path.join(dir, 'engine'),
      base: writeBase(path.join(dir, 'base'), scaleSize),
      growth: writeGrowth(path.join(dir, 'growth'), scaleSize),
    };
    log(`scale: ${spec.base.statements} + ${spec.growth.statements} statements written; measuring`);
    const result = await runChild<ScaleResult>(
      'bench/scale/child.ts',
      [JSON.stringify(spec)],
      {},
      {
        timeoutMs: 60 * 60_000,
      },
    );
    log(
      `scale: base load ${(result.base.ms / 1000).toFixed(1)} s, growth load ${(result.growth.ms / 1000).toFixed(1)} s`,
    );
    return { result, spec };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

async function runMeasure(
  m: Measure,
  template: string,
  env: Record<string, string>,
): Promise<ScenarioResult> {
  const dataDir = tempDir('ch');
  fs.cpSync(template, dataDir, { recursive: true });
  const spec: ScenarioSpec = { scenario: m.scenario, source: m.source, dataDir, settings };
  try {
    return await runChild<ScenarioResult>('bench/child.ts', [JSON.stringify(spec)], env);
  } finally {
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
}

function parseSettings(text: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text ? text.split(',') : []) {
    const [name, value] = pair.split('=');
    if (!name || value === undefined) throw new Error(`--settings expects name=value,…, got "${pair}"`);
    out[name.trim()] = value.trim();
  }
  return out;
}

function mb(bytes: number): string {
  return (bytes / 1024 / 1024).toFixed(0);
}
