import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3, startLocalS3 } from '../../src/tools/local-s3/local-s3.js';
import { makeBundle } from '../helpers/bundles.js';
import { runCli } from '../helpers/cli.js';
import { closedPort } from '../helpers/closed-port.js';
import { type FaultProxy, objectRead, startFaultProxy } from '../helpers/fault-proxy.js';

/**
 * Progress moves while one long batch loads, not only between batches: ClickHouse counts the bytes a
 * query has read so far (system.processes), and the CLI reads that every half second. Before, a single
 * 172 MB file was seconds of silence, then "ETA 0 s". Here one ~12 MiB file arrives over a throttled
 * S3, so the load lasts a few seconds whatever the machine.
 */
describe('progress during a long single-file load', () => {
  let s3: LocalS3;
  let proxy: FaultProxy;
  const key = 'section/p1/video/2024-01-01T00-00-00.000Z_bundle.jsonl';
  let lines = 0;

  beforeAll(async () => {
    s3 = await startLocalS3();
    await s3.createBucket('xapi');
    let body = '';
    while (body.length < 12 * 1024 * 1024) body += makeBundle(2000, { video: true });
    lines = body.split('\n').length - 1;
    await s3.put('xapi', key, body);
    proxy = await startFaultProxy(s3.endpoint);
    proxy.setRules([
      { match: objectRead(key), action: { kind: 'throttle', bytesPerSecond: 8 * 1024 * 1024 } },
    ]);
  });
  afterAll(async () => {
    await proxy?.close();
    await s3?.close();
  });

  it('prints the bytes read so far several times before the batch ends', async () => {
    const r = await runCli(['process', `s3://xapi/${key}`], {
      env: {
        XAPI_ETL_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-progress-')),
        AWS_ENDPOINT_URL_S3: proxy.endpoint,
      },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`files: 1 loaded, 0 skipped, 0 failed; statements: ${lines}`);
    const running = r.stderr
      .split('\n')
      .filter((l) => l.includes('batch 1/1 running'))
      .map((l) => /^files 0\/1 .*?\s(\d+(?:\.\d)?) (B|KiB|MiB)\//.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => Number(m[1]) * (m[2] === 'MiB' ? 1024 * 1024 : m[2] === 'KiB' ? 1024 : 1));
    console.log(
      `progress lines during the batch: ${running.length} (${running.map((b) => (b / 1048576).toFixed(1)).join(', ')} MiB)`,
    );
    // Moving: at least three readings during the batch, increasing, none of them the whole file yet.
    expect(running.length).toBeGreaterThanOrEqual(3);
    expect(new Set(running).size).toBeGreaterThanOrEqual(3);
    expect([...running].sort((a, b) => a - b)).toEqual(running);
    expect(r.stderr).toMatch(/^files 1\/1 .* ETA 0 s$/m);
  });

  it('moves during a batch of 1,000 small files too (before: nothing until file 1,000)', async () => {
    // 1,009 files: one batch of 1,000, then 9. Their keys and ETags make the INSERT's text longer than
    // the 100,000 characters system.processes keeps, so the load is found by its log_comment. Listing
    // over 1,000 keys needs s3rver with DES: `xapi-etl local-s3` (see local-s3.test.ts), not this process.
    const port = await closedPort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-progress-s3-'));
    const started = await runCli(['local-s3', '--background', '--port', String(port), '--dir', dir]);
    expect(started.status, started.stderr).toBe(0);
    const local = new S3Client({
      endpoint: `http://127.0.0.1:${port}`,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    });
    const throttled = await startFaultProxy(`http://127.0.0.1:${port}`);
    try {
      const prefix = 'section/progress-many-small-files/video/';
      const keys = Array.from(
        { length: 1009 },
        (_, i) => `${prefix}2024-01-01T00-00-${String(i).padStart(4, '0')}.000Z_bundle.jsonl`,
      );
      let next = 0;
      await Promise.all(
        Array.from({ length: 16 }, async () => {
          while (next < keys.length) {
            const key = keys[next++] as string;
            await local.send(
              new PutObjectCommand({ Bucket: 'xapi', Key: key, Body: makeBundle(3, { video: true }) }),
            );
          }
        }),
      );
      // A slow S3 for the object reads: the batch of 1,000 takes a few seconds.
      throttled.setRules([{ match: objectRead(prefix), action: { kind: 'delay', ms: 100 } }]);
      const r = await runCli(['process', `s3://xapi/${prefix}`], {
        env: {
          XAPI_ETL_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-progress-')),
          AWS_ENDPOINT_URL_S3: throttled.endpoint,
        },
      });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain('files: 1009 loaded, 0 skipped, 0 failed');
      const during = r.stderr
        .split('\n')
        .filter((l) => l.startsWith('files 0/1009') && l.includes('batch 1/2 running'));
      console.log(`progress lines during the 1,000-file batch: ${during.length}\n${during.join('\n')}`);
      expect(new Set(during.map((l) => l.split('  ')[2])).size).toBeGreaterThanOrEqual(2);
    } finally {
      local.destroy();
      await throttled.close();
      await runCli(['local-s3', '--stop', '--dir', dir]);
    }
  });
});
