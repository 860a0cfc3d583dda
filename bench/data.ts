import fs from 'node:fs';
import path from 'node:path';
import { bundleKey, generateLines } from '../src/tools/generate/bundles.js';
import type { LocalS3 } from '../src/tools/local-s3/local-s3.js';

/**
 * Benchmark data from the project's own seeded xAPI Video Profile generator (learners playing,
 * pausing, seeking, completing; voiding statements and broken lines included), ~1 KB a statement.
 * Generation and uploads happen before any timed section.
 */
export interface BenchData {
  lines: string[];
  bytes: number;
  /** First file-name timestamp and the date range covering every generated key. */
  startDate: string;
  endDate: string;
  firstSection: string;
}

const START = Date.parse('2024-03-04T00:00:00.000Z');

export function generateData(count: number): BenchData {
  const lines: string[] = [];
  let bytes = 0;
  let firstSection = '';
  // Enough sections × learners × days that `count` lines exist; take the first `count`.
  for (const l of generateLines({ sections: 20, learnersPerSection: 60, days: 30, dailyWatchChance: 0.6 })) {
    firstSection ||= l.sectionId;
    lines.push(l.text);
    bytes += Buffer.byteLength(l.text) + 1;
    if (lines.length >= count) break;
  }
  if (lines.length < count) throw new Error(`generator produced only ${lines.length} lines`);
  return { lines, bytes, startDate: '2024-03-04', endDate: '2024-12-31', firstSection };
}

/** The same lines cut into `files` bundles of equal size, under the platform key layout. */
export function* splitIntoBundles(data: BenchData, files: number): Generator<{ key: string; body: string }> {
  const per = Math.ceil(data.lines.length / files);
  for (let i = 0; i < files; i++) {
    const chunk = data.lines.slice(i * per, (i + 1) * per);
    if (chunk.length === 0) break;
    // One section folder per 1,000 files: a realistic fan-out, and keys stay ordered by time.
    const section = `s${String(Math.floor(i / 1000)).padStart(3, '0')}`;
    yield { key: bundleKey(section, START + i * 60_000), body: `${chunk.join('\n')}\n` };
  }
}

export function writeLocalFile(data: BenchData, dir: string): string {
  const [bundle] = splitIntoBundles(data, 1);
  if (!bundle) throw new Error('no data');
  const file = path.join(dir, bundle.key);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bundle.body);
  return file;
}

/** Uploads every bundle with bounded concurrency (s3rver writes each object and its metadata to disk). */
export async function uploadBundles(
  s3: LocalS3,
  bucket: string,
  data: BenchData,
  files: number,
  concurrency = 32,
): Promise<{ keys: string[]; ms: number }> {
  await s3.createBucket(bucket);
  const t0 = performance.now();
  const keys: string[] = [];
  const iterator = splitIntoBundles(data, files);
  const worker = async () => {
    for (let next = iterator.next(); !next.done; next = iterator.next()) {
      keys.push(next.value.key);
      await s3.put(bucket, next.value.key, next.value.body);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return { keys: keys.sort(), ms: performance.now() - t0 };
}
