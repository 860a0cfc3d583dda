import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3, startLocalS3 } from '../../src/local-s3/local-s3.js';
import { makeBundle } from '../helpers/bundles.js';
import { runCli } from '../helpers/cli.js';
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
});
