import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { LocalS3 } from '../../src/tools/local-s3/local-s3.js';
import { ROOT, runChild, tempDir } from '../spawn.js';
import { median } from '../stats.js';
import { startEngineServer } from './engine-server.js';

export interface ProbeResult {
  bootMs: number;
  initMs: number;
  firstCallMs: number;
  rssAfterInitBytes: number;
  peakRssBytes: number;
  peakHeapBytes: number;
  success: boolean;
  files_processed?: number;
  events_processed?: number;
  events_rejected?: number;
  error?: string;
}

export interface BulkMemory {
  files: number;
  handler: ProbeResult;
  enginePeakRssBytes: number;
}

export interface LambdaResults {
  zipBytes: number;
  bundleBytes: number;
  coldStarts: ProbeResult[];
  median: { bootMs: number; initMs: number; firstCallMs: number };
  bulk: BulkMemory[];
}

/**
 * The Lambda side, on the BUILT package (scripts/build-lambda.mjs into a temporary folder): zip size;
 * cold starts (a fresh `node` importing the bundle, then a first bulk dry run); and the handler
 * process's peak memory while it coordinates a real bulk load of 1 file and of many files, with the
 * engine in another process behind HTTP as in AWS, so that process's memory is the coordinator's alone.
 */
export async function measureLambda(o: {
  s3: LocalS3;
  env: Record<string, string>;
  /** A migrated data directory to copy for each engine process. */
  template: string;
  coldStarts: number;
  oneFileBucket: string;
  manyFilesBucket: string;
  manyFiles: number;
  startDate: string;
  endDate: string;
  log: (m: string) => void;
}): Promise<LambdaResults> {
  const outDir = tempDir('lambda');
  try {
    execFileSync(process.execPath, ['scripts/build-lambda.mjs', '--quiet', '--out-dir', outDir], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const artifact = JSON.parse(fs.readFileSync(path.join(outDir, 'lambda-artifact.json'), 'utf8')) as {
      bytes: number;
      bundleBytes: number;
    };
    const bundle = path.join(outDir, 'lambda', 'index.mjs');
    const bulkPayload = (bucket: string, dryRun: boolean) =>
      JSON.stringify({
        mode: 'bulk',
        s3_bucket: bucket,
        s3_prefix: 'section/',
        start_date: o.startDate,
        end_date: o.endDate,
        dry_run: dryRun,
      });

    const coldStarts: ProbeResult[] = [];
    const bulk: BulkMemory[] = [];
    let server = await startEngineServer(o.template);
    try {
      const env = handlerEnv(o.env, server.url);
      for (let i = 0; i < o.coldStarts; i++) {
        const r = await probe(bundle, bulkPayload(o.manyFilesBucket, true), env);
        coldStarts.push(r);
        o.log(
          `cold start ${i + 1}: init ${r.initMs.toFixed(0)} ms, first call (dry run) ${r.firstCallMs.toFixed(0)} ms`,
        );
      }
      for (const [files, bucket] of [
        [1, o.oneFileBucket],
        [o.manyFiles, o.manyFilesBucket],
      ] as const) {
        // A fresh engine for each load: an empty ledger, and its own peak memory.
        await server.stop();
        server = await startEngineServer(o.template);
        const handler = await probe(bundle, bulkPayload(bucket, false), handlerEnv(o.env, server.url));
        bulk.push({ files, handler, enginePeakRssBytes: server.peakRssBytes() });
        o.log(
          `bulk ${files} file(s) via the built handler: ${(handler.firstCallMs / 1000).toFixed(1)} s, ` +
            `handler peak RSS ${(handler.peakRssBytes / 2 ** 20).toFixed(0)} MB`,
        );
      }
    } finally {
      await server.stop();
    }
    return {
      zipBytes: artifact.bytes,
      bundleBytes: artifact.bundleBytes,
      coldStarts,
      median: {
        bootMs: median(coldStarts.map((c) => c.bootMs)),
        initMs: median(coldStarts.map((c) => c.initMs)),
        firstCallMs: median(coldStarts.map((c) => c.firstCallMs)),
      },
      bulk,
    };
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
}

function handlerEnv(base: Record<string, string>, url: string): Record<string, string> {
  return { ...base, CLICKHOUSE_HOST: url, CLICKHOUSE_DATABASE: 'bench', POWERTOOLS_LOG_LEVEL: 'WARN' };
}

async function probe(bundle: string, payload: string, env: Record<string, string>): Promise<ProbeResult> {
  const r = await runChild<ProbeResult>('bench/lambda/handler-probe.mjs', [bundle, payload], env, {
    typescript: false,
  });
  if (!r.success) throw new Error(`handler failed: ${r.error}`);
  return r;
}
