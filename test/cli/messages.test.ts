import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3, startLocalS3 } from '../../src/tools/local-s3/local-s3.js';
import { makeBundle } from '../helpers/bundles.js';
import { runCli } from '../helpers/cli.js';
import { closedPort } from '../helpers/closed-port.js';
import { type FaultProxy, startFaultProxy } from '../helpers/fault-proxy.js';

/**
 * What the CLI says when things go wrong, and what it says about what it loaded, as a new user meets
 * it. Each case printed something misleading or nothing useful before (see each test).
 */
describe('the CLI says what happened', () => {
  let s3: LocalS3;
  let proxy: FaultProxy;
  const dataDir = () => fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-messages-'));
  const key = 'section/m1/video/2024-01-01T00-00-00.000Z_bundle.jsonl';

  beforeAll(async () => {
    s3 = await startLocalS3();
    await s3.createBucket('xapi');
    await s3.put('xapi', key, makeBundle(3, { video: true, broken: 2 }));
    proxy = await startFaultProxy(s3.endpoint);
  });
  afterAll(async () => {
    await proxy?.close();
    await s3?.close();
  });

  describe('S3 failures carry their cause (before: "Could not read s3://…: Error")', () => {
    it('S3 not running: the endpoint and "connection refused"', async () => {
      const port = await closedPort();
      const r = await runCli(['process', 's3://xapi/section/m1/'], {
        env: { XAPI_ETL_DATA_DIR: dataDir(), AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}` },
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(
        `Could not list s3://xapi/section/m1/: cannot reach S3 at http://127.0.0.1:${port}: connection refused (ECONNREFUSED); is the local S3 running`,
      );
    });

    it.each([
      ['a key', 's3://no-such-bucket/section/1/video/a.jsonl'],
      ['a prefix', 's3://no-such-bucket/section/'],
    ])('a bucket that does not exist, named (%s)', async (_what, target) => {
      const r = await runCli(['process', target], {
        env: { XAPI_ETL_DATA_DIR: dataDir(), AWS_ENDPOINT_URL_S3: s3.endpoint },
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`bucket "no-such-bucket" does not exist at ${s3.endpoint}`);
    });

    it('access denied, by S3 (403)', async () => {
      proxy.setRules([{ action: { kind: 'status', status: 403 } }]);
      try {
        const r = await runCli(['process', `s3://xapi/${key}`], {
          env: { XAPI_ETL_DATA_DIR: dataDir(), AWS_ENDPOINT_URL_S3: proxy.endpoint },
        });
        expect(r.status).toBe(1);
        expect(r.stderr).toContain(`access denied to s3://xapi/${key}`);
      } finally {
        proxy.setRules([]);
      }
    });

    it('generate into a bucket that does not exist', async () => {
      const r = await runCli(['generate', 's3://nope-bucket/', '--sections', '1', '--days', '1'], {
        env: { AWS_ENDPOINT_URL_S3: s3.endpoint },
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(`bucket "nope-bucket" does not exist at ${s3.endpoint}`);
    });
  });

  it('a new data directory is set up by itself (before: 3 KB of internal SQL about a missing table)', async () => {
    const dir = dataDir();
    const r = await runCli(['process', `s3://xapi/${key}`], {
      env: { XAPI_ETL_DATA_DIR: dir, AWS_ENDPOINT_URL_S3: s3.endpoint },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`xapi-etl: set up the embedded database in ${dir} (schema version`);
    expect(r.stderr).not.toMatch(/Unknown table|SELECT|INSERT/);
    expect(r.stdout).toContain('files: 1 loaded');
  });

  it('rejections are counted by reason (before: only a total; you had to know rejected_statements)', async () => {
    const r = await runCli(['process', `s3://xapi/${key}`], {
      env: { XAPI_ETL_DATA_DIR: dataDir(), AWS_ENDPOINT_URL_S3: s3.endpoint },
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('statements: 3 (video 3), rejected: 2');
    expect(r.stdout).toContain('rejected by reason: invalid_json 2 (rows in rejected_statements)');
  });

  it('process --dry-run lists what would load and what is skipped, and writes nothing', async () => {
    const env = { XAPI_ETL_DATA_DIR: dataDir(), AWS_ENDPOINT_URL_S3: s3.endpoint };
    const other = 'section/m1/video/2024-01-02T00-00-00.000Z_bundle.jsonl';
    await s3.put('xapi', other, makeBundle(1));
    expect((await runCli(['process', `s3://xapi/${key}`], { env })).status).toBe(0);
    const r = await runCli(['process', 's3://xapi/section/m1/', '--dry-run'], { env });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(
      /^dry run, nothing written: would load 1 file\(s\) \(\d+(\.\d)? (B|KiB)\), skip 1 already loaded$/m,
    );
    expect(r.stdout).toContain(`  load  s3://xapi/${other}`);
    expect(r.stdout).toContain(`  skip  s3://xapi/${key} (already loaded at this ETag)`);
    const ledger = await runCli(['query', 'SELECT count() FROM ingested_files FINAL', '--format', 'TSV'], {
      env,
    });
    expect(ledger.stdout.trim()).toBe('1');
  });
});
