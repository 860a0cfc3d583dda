import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3, startLocalS3 } from '../../src/tools/local-s3/local-s3.js';
import { makeBundle } from '../helpers/bundles.js';
import { runCli, startCli } from '../helpers/cli.js';
import { type FaultProxy, objectRead, startFaultProxy } from '../helpers/fault-proxy.js';

/**
 * Ctrl-C during a load. Before: nothing was printed and the files of the running batch stayed `loading`
 * in the ledger, with nobody saying "re-run to finish". Now the running batch is cancelled, the ledger
 * records it as not loaded, the command says what loaded and what is left and exits 130, and the same
 * command run again loads exactly the rest.
 */
describe('Ctrl-C stops a load cleanly, and a re-run finishes it', () => {
  let s3: LocalS3;
  let proxy: FaultProxy;
  let env: Record<string, string>;
  const files = 4;
  let lines = 0;

  beforeAll(async () => {
    s3 = await startLocalS3();
    await s3.createBucket('xapi');
    for (let i = 0; i < files; i++) {
      const body = makeBundle(3000, { video: true, broken: 1 });
      lines += body.split('\n').length - 1;
      await s3.put('xapi', `section/i1/video/2024-01-0${i + 1}T00-00-00.000Z_bundle.jsonl`, body);
    }
    proxy = await startFaultProxy(s3.endpoint);
    // Each file takes a second or more to arrive: Ctrl-C lands while a batch is loading.
    proxy.setRules([
      { match: objectRead('section/i1/'), action: { kind: 'throttle', bytesPerSecond: 1024 * 1024 } },
    ]);
    env = {
      XAPI_ETL_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-interrupt-')),
      AWS_ENDPOINT_URL_S3: proxy.endpoint,
      S3_XAPI_BUCKET_NAME: 'xapi',
      XAPI_BATCH_MAX_FILES: '1',
    };
  });
  afterAll(async () => {
    await proxy?.close();
    await s3?.close();
  });

  const statuses = async () => {
    const r = await runCli(
      [
        'query',
        'SELECT status, count() FROM ingested_files FINAL GROUP BY status ORDER BY status',
        '--format',
        'TSV',
      ],
      { env },
    );
    return Object.fromEntries(
      r.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => l.split('\t'))
        .map(([s, n]) => [s, Number(n)]),
    );
  };

  it('process: Ctrl-C after the first batch → exit 130, what is left is said, nothing stays `loading`; a re-run loads the rest', async () => {
    const run = startCli(['process', 's3://xapi/section/i1/'], { env });
    await run.waitFor(/^files 1\/4 /m, 90_000);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.status, r.stderr).toBe(130);
    expect(r.stderr).toContain('stopping: cancelling the batch being loaded');
    const left = Number(/stopped by Ctrl-C: (\d+) file\(s\) not loaded yet/.exec(r.stdout)?.[1]);
    const loaded = Number(/^files: (\d+) loaded/m.exec(r.stdout)?.[1]);
    expect(left).toBeGreaterThanOrEqual(1);
    expect(loaded + left).toBe(files);
    expect(r.stdout).toContain('re-run the same command to load them');

    const after = await statuses();
    expect(after.loading).toBeUndefined();
    expect(after.loaded).toBe(loaded);

    const again = await runCli(['process', 's3://xapi/section/i1/'], { env });
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain(`files: ${left} loaded, ${loaded} skipped, 0 failed`);
    const count = await runCli(['query', 'SELECT count() FROM statements FINAL', '--format', 'TSV'], { env });
    const rejected = await runCli(
      ['query', 'SELECT count() FROM rejected_statements FINAL', '--format', 'TSV'],
      { env },
    );
    expect(Number(count.stdout) + Number(rejected.stdout)).toBe(lines);
    expect((await statuses()).loaded).toBe(files);
  });
});
