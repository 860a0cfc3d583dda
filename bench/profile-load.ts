/**
 * `npm run bench:profile [-- --files N] [-- --statements N]`
 *
 * Where a bulk load's time goes, by query: generates the bench data, uploads it to a local S3 (s3rver,
 * in this process) as N files, loads it with bulk mode into a fresh embedded engine, and prints the time
 * spent in each kind of query (the load INSERT, each analytics refresh, claims, ledger rows) and outside
 * them (listing, planning). This is how bench/notes.md splits a load's cost; the whole-load figures of
 * BENCHMARKS.md come from `npm run bench`.
 *
 * Runs with `--openssl-legacy-provider` for s3rver's paginated listings (see bench/run.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { ClickHouseClient } from '@clickhouse/client';
import { loadConfig } from '../src/config/env.js';
import { runBulk } from '../src/modes/bulk.js';
import { bulkPayloadSchema } from '../src/requests/bulk-request.js';
import { createRuntime } from '../src/runtime.js';
import { startLocalS3 } from '../src/tools/local-s3/local-s3.js';
import { migrate } from '../src/upgrade/migrate.js';
import { generateData, uploadBundles } from './data.js';
import { tempDir } from './spawn.js';

const { values: args } = parseArgs({
  options: {
    files: { type: 'string', default: '2000' },
    statements: { type: 'string', default: '200000' },
    help: { type: 'boolean', default: false },
  },
});
if (args.help) {
  process.stdout.write('npm run bench:profile [-- --files N (2000)] [-- --statements N (200000)]\n');
  process.exit(0);
}
const files = positive('files');
const statements = positive('statements');

const work = tempDir('profile');
const s3 = await startLocalS3({ directory: path.join(work, 's3') });
const data = generateData(statements);
const bucket = 'bench-profile';
await uploadBundles(s3, bucket, data, files);
const env = {
  ...process.env,
  AWS_ENDPOINT_URL_S3: s3.endpoint,
  AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
  AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
  AWS_REGION: 'us-east-1',
};
Object.assign(process.env, env);

// One load per process: chDB is one engine per process, and a second load would find the files loaded.
const rt = await createRuntime(
  loadConfig({ ...env, XAPI_ETL_DATA_DIR: path.join(work, 'engine'), CLICKHOUSE_DATABASE: 'profile' }),
);
await migrate(rt.engine.client);
const timings = timeQueries(rt.engine.client);
const payload = bulkPayloadSchema.parse({
  mode: 'bulk',
  s3_bucket: bucket,
  s3_prefix: 'section/',
  start_date: data.startDate,
  end_date: data.endDate,
});
const started = performance.now();
const result = await runBulk(rt, payload);
const total = performance.now() - started;
if (!result.success) throw new Error(`the load failed: ${JSON.stringify(result).slice(0, 500)}`);
report(total, timings, `${result.files_processed} files, ${result.events_processed} statements`);
await s3.close();
fs.rmSync(work, { recursive: true, force: true });
process.exit(0);

/** Wraps the client's calls to add up wall time per query text (its first 90 characters). */
function timeQueries(client: ClickHouseClient): Map<string, { ms: number; calls: number }> {
  const byQuery = new Map<string, { ms: number; calls: number }>();
  const target = client as unknown as Record<
    string,
    (params: { query?: string; table?: string }) => Promise<unknown>
  >;
  for (const method of ['command', 'query', 'insert', 'exec']) {
    const original = target[method]?.bind(client);
    if (!original) continue;
    target[method] = async (params) => {
      const started = performance.now();
      try {
        return await original(params);
      } finally {
        const text = (params.query ?? `INSERT INTO ${params.table}`).replace(/\s+/g, ' ').trim().slice(0, 90);
        const entry = byQuery.get(text) ?? { ms: 0, calls: 0 };
        entry.ms += performance.now() - started;
        entry.calls += 1;
        byQuery.set(text, entry);
      }
    };
  }
  return byQuery;
}

function report(total: number, byQuery: Map<string, { ms: number; calls: number }>, what: string) {
  const rows = [...byQuery].sort((a, b) => b[1].ms - a[1].ms);
  const inQueries = rows.reduce((sum, [, e]) => sum + e.ms, 0);
  const lines = rows.map(([text, e]) => `${ms(e.ms)} ${String(e.calls).padStart(5)}×  ${text}`);
  process.stdout.write(
    [
      `${what} in ${ms(total).trim()}`,
      `${'time'.padStart(9)} ${'calls'.padStart(6)}  query`,
      ...lines,
      `${ms(total - inQueries)}        outside queries (S3 listing, planning, the client)`,
      '',
    ].join('\n'),
  );
}

function ms(value: number): string {
  return `${value.toFixed(0)} ms`.padStart(9);
}

function positive(name: 'files' | 'statements'): number {
  const value = Number(args[name]);
  if (!Number.isInteger(value) || value < 1) {
    process.stderr.write(`--${name} must be a positive whole number (got ${args[name]})\n`);
    process.exit(2);
  }
  return value;
}
