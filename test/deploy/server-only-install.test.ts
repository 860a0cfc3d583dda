import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3, startLocalS3 } from '../../src/tools/local-s3/local-s3.js';
import { type EngineHttpFront, startEngineHttpFront } from '../helpers/engine-http-front.js';

/**
 * The install for a ClickHouse server only (docs/engines.md, "Server-only install"): the package's own
 * dependencies, `npm ci --omit=optional --omit=dev`, in a folder of its own, so neither the embedded engine
 * (chdb, a native library of ~540 MB) nor the local S3 (s3rver) is on disk. Every verb then runs against a
 * ClickHouse server (chDB behind the HTTP front, in another process of this test) and a real S3 protocol
 * server; `demo` and `local-s3`, which exist to stand in for those, say which package they lack.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);

describe('server-only install: npm ci --omit=optional, every verb against a server', () => {
  const app = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-server-only-'));
  const noDataDir = path.join(app, 'must-not-be-created');
  let front: EngineHttpFront;
  let s3: LocalS3;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    for (const f of ['package.json', 'package-lock.json'])
      fs.copyFileSync(path.join(ROOT, f), path.join(app, f));
    for (const d of ['bin', 'migrations', 'examples'])
      fs.cpSync(path.join(ROOT, d), path.join(app, d), { recursive: true });
    await Promise.all([
      // As a deployment would: the runtime dependencies only, from the lock, no install scripts.
      run(
        'npm',
        [
          'ci',
          '--omit=optional',
          '--omit=dev',
          '--ignore-scripts',
          '--prefer-offline',
          '--no-audit',
          '--no-fund',
        ],
        { cwd: app, timeout: 300_000 },
      ),
      // The build is the repository's (TypeScript is a development dependency).
      run(
        process.execPath,
        [
          path.join(ROOT, 'node_modules/typescript/bin/tsc'),
          '-p',
          'tsconfig.build.json',
          '--outDir',
          path.join(app, 'dist'),
        ],
        { cwd: ROOT, timeout: 300_000 },
      ),
    ]);
    [front, s3] = await Promise.all([startEngineHttpFront(), startLocalS3()]);
    await s3.createBucket('xapi');
    env = {
      ...process.env,
      CLICKHOUSE_HOST: front.url,
      CLICKHOUSE_USERNAME: front.user,
      CLICKHOUSE_PASSWORD: front.password,
      CLICKHOUSE_DATABASE: 'server_only',
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      S3_XAPI_BUCKET_NAME: 'xapi',
      XAPI_ETL_DATA_DIR: noDataDir,
      NO_COLOR: '1',
    };
  }, 600_000);

  afterAll(async () => {
    await s3?.close();
    await front?.stop();
    fs.rmSync(app, { recursive: true, force: true });
  });

  function xapiEtl(args: string[], input?: string): Promise<{ status: number | null; out: string }> {
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [path.join(app, 'bin/xapi-etl.js'), ...args], { cwd: app, env });
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        out += d;
      });
      child.stdin.end(input ?? '');
      child.on('close', (status) => resolve({ status, out }));
    });
  }

  it('leaves the embedded engine and the local S3 out', () => {
    const modules = path.join(app, 'node_modules');
    expect(fs.existsSync(path.join(modules, '@clickhouse/client'))).toBe(true);
    for (const pkg of ['chdb', '@chdb', 's3rver', 'typescript', 'vitest'])
      expect(fs.existsSync(path.join(modules, pkg)), pkg).toBe(false);
  });

  it('runs every verb against the server, in the order an operator would', async () => {
    const steps: [string[], RegExp, string?][] = [
      [['--help'], /migrate[\s\S]*bulk[\s\S]*report/],
      [['migrate'], /applied 0001_baseline/],
      [['health', '--json'], /"ok": true/],
      [['generate', 's3://xapi/', '--sections', '2', '--days', '2'], /wrote \d+ bundles to s3:\/\/xapi\//],
      [['bulk', '--dry-run'], /dry run, nothing written\): \d+ files/],
      [['bulk'], /files: \d+ loaded, 0 skipped, 0 failed/],
      [['process', 's3://xapi/section/', '--dry-run'], /already/],
      [['invoke', '-'], /"success": true/, '{"health_check": true}'],
      [['query', 'SELECT count() > 0 AS loaded FROM statements FINAL', '--format', 'TSV'], /^1$/m],
      [['report', '--out', path.join(app, 'report.html')], /report\.html/],
      [
        ['erase', '--actor', 'mailto:nobody@example.com', '--dry-run'],
        /would remove 0 row\(s\) from statements/,
      ],
      [['expire', '--days', '36500', '--dry-run'], /retention 36500 days/],
      [['cleanup', '--dry-run'], /nothing to clean up/],
    ];
    for (const [args, expected, input] of steps) {
      const r = await xapiEtl(args, input);
      expect(r.status, `${args.join(' ')}\n${r.out}`).toBe(0);
      console.log(`$ xapi-etl ${args.join(' ')}\n${r.out.slice(0, 300)}`);
      expect(r.out, args.join(' ')).toMatch(expected);
    }
    expect(fs.existsSync(path.join(app, 'report.html'))).toBe(true);
    expect(fs.existsSync(noDataDir)).toBe(false);
  });

  it('demo and local-s3 name the optional package they need', async () => {
    for (const [verb, pkg] of [
      ['local-s3', 's3rver'],
      ['demo', 's3rver'],
    ] as const) {
      const r = await xapiEtl([verb]);
      expect(r.status, r.out).not.toBe(0);
      expect(r.out).toContain(`needs the optional npm package "${pkg}"`);
      expect(r.out).not.toMatch(/\n\s+at /); // a sentence, not a stack trace
    }
  });
});
