import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3, startLocalS3 } from '../../src/tools/local-s3/local-s3.js';
import { makeBundle } from '../helpers/bundles.js';
import { runCli, startCli } from '../helpers/cli.js';
import { type FaultProxy, objectRead, startFaultProxy } from '../helpers/fault-proxy.js';

/**
 * A backfill stopped by its time budget (or by Ctrl-C) resumes where it stopped when the same command
 * runs again, `--force` included, and says it is incomplete with its own exit code (3; Ctrl-C 130).
 * Before: `bulk --force --time-budget` loaded the first batch again on every run, never finished, and
 * exited 0.
 */
describe('bulk: a stopped run resumes where it stopped', () => {
  let s3: LocalS3;
  let proxy: FaultProxy;

  beforeAll(async () => {
    s3 = await startLocalS3();
    await s3.createBucket('xapi');
    for (const section of ['b1', 'b2']) {
      for (let day = 1; day <= 4; day++) {
        await s3.put(
          'xapi',
          `section/${section}/video/2024-01-0${day}T00-00-00.000Z_bundle.jsonl`,
          makeBundle(1500, { video: true }),
        );
      }
    }
    proxy = await startFaultProxy(s3.endpoint);
    // About a second per file, so that a one-second budget stops after each batch.
    proxy.setRules([
      { match: objectRead('/section/'), action: { kind: 'throttle', bytesPerSecond: 512 * 1024 } },
    ]);
  });
  afterAll(async () => {
    await proxy?.close();
    await s3?.close();
  });

  const envFor = () => ({
    XAPI_ETL_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-resume-')),
    AWS_ENDPOINT_URL_S3: proxy.endpoint,
    S3_XAPI_BUCKET_NAME: 'xapi',
    XAPI_BATCH_MAX_FILES: '1',
  });

  it('--force --time-budget: exit 3 while incomplete, each re-run carries on, every file loads exactly once', async () => {
    const env = envFor();
    const args = ['bulk', '--section', 'b1', '--force', '--time-budget', '1'];
    const loadedPerRun: number[] = [];
    let last: Awaited<ReturnType<typeof runCli>> | undefined;
    for (let run = 0; run < 6; run++) {
      last = await runCli(args, { env });
      loadedPerRun.push(Number(/^files: (\d+) loaded/m.exec(last.stdout)?.[1]));
      if (last.status !== 3) break;
      expect(last.stdout).toMatch(
        /INCOMPLETE: stopped by the time budget after section\/b1\/video\/\S+; \d+ planned file\(s\) left/,
      );
      if (run > 0) expect(last.stderr).toContain('resuming the run that stopped after section/b1/video/');
    }
    expect(last?.status, `${last?.stdout}\n${last?.stderr}`).toBe(0);
    expect(loadedPerRun.length).toBeGreaterThan(1); // it did stop at least once
    expect(loadedPerRun.reduce((a, b) => a + b, 0)).toBe(4); // forced, yet no file loaded twice
    const ledger = await runCli(
      ['query', "SELECT count() FROM ingested_files FINAL WHERE status = 'loaded'", '--format', 'TSV'],
      { env },
    );
    expect(Number(ledger.stdout)).toBe(4);
  });

  it('Ctrl-C: exit 130, "INCOMPLETE: stopped by Ctrl-C"; the same command resumes and completes', async () => {
    const env = envFor();
    const run = startCli(['bulk', '--section', 'b2'], { env });
    await run.waitFor(/^files 1\/4 /m, 90_000);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.status, r.stderr).toBe(130);
    expect(r.stdout).toMatch(/INCOMPLETE: stopped by Ctrl-C after section\/b2\/video\/\S+/);
    const again = await runCli(['bulk', '--section', 'b2'], { env });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stderr).toContain('resuming the run that stopped after section/b2/video/');
    const ledger = await runCli(
      [
        'query',
        'SELECT status, count() FROM ingested_files FINAL GROUP BY status ORDER BY status',
        '--format',
        'TSV',
      ],
      { env },
    );
    expect(ledger.stdout).toMatch(/^loaded\t4$/m);
    expect(ledger.stdout).not.toContain('loading');
  });
});
