import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3, startLocalS3 } from '../../src/tools/local-s3/local-s3.js';
import { makeBundle } from '../helpers/bundles.js';
import { runCli } from '../helpers/cli.js';

/**
 * The CLI verbs that run the Lambda handler (`invoke`, `bulk`, `health`), as users run them: the current
 * sources in a child process, against a real s3rver. Each test has its own data directory and bucket,
 * so none depends on what another one left behind.
 */
describe('CLI: invoke, bulk, health', () => {
  let s3: LocalS3;
  let worlds = 0;

  beforeAll(async () => {
    s3 = await startLocalS3();
  });
  afterAll(async () => {
    await s3?.close();
  });

  /** A fresh embedded data directory and bucket holding three days of section 123. */
  async function freshWorld(bucket = `cli-${++worlds}`) {
    await s3.createBucket(bucket);
    for (const day of ['2024-01-01', '2024-01-02', '2024-01-03']) {
      await s3.put(
        bucket,
        `section/123/video/${day}T12-00-00.000Z_bundle.jsonl`,
        makeBundle(2, { video: true }),
      );
    }
    const env = {
      XAPI_ETL_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-cli-')),
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      S3_XAPI_BUCKET_NAME: bucket,
    };
    return { bucket, env, cli: (args: string[], input?: string) => runCli(args, { env, input }) };
  }

  it('invoke examples/event-direct.json prints the handler result and exits 0', async () => {
    const { cli } = await freshWorld('xapi');
    const example = JSON.parse(fs.readFileSync('examples/event-direct.json', 'utf8'));
    await s3.put('xapi', example.key, makeBundle(2, { video: true }));
    const r = await cli(['invoke', 'examples/event-direct.json']);
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({
      success: true,
      processing_mode: 'event',
      section_id: '101',
      events_processed: 2,
      files_processed: 1,
    });
  });

  it('invoke - reads stdin; a bad payload prints success:false and exits 1', async () => {
    const { cli } = await freshWorld();
    const r = await cli(['invoke', '-'], JSON.stringify({ mode: 'bulk', start_date: '2024-02-30' }));
    expect(r.status).toBe(1);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({
      success: false,
      processing_mode: 'bulk',
      error: { code: 'INPUT_INVALID' },
    });
    expect(result.error.message).toContain('start_date: is not a calendar date');
  });

  it('bulk --dry-run shows the plan; bulk loads the rest with progress on stderr', async () => {
    const { cli, bucket } = await freshWorld();
    const first = await cli([
      'process',
      `s3://${bucket}/section/123/video/2024-01-01T12-00-00.000Z_bundle.jsonl`,
    ]);
    expect(first.status).toBe(0);
    const plan = await cli([
      'bulk',
      '--section',
      '123',
      '--start',
      '2024-01-01',
      '--end',
      '2024-01-02',
      '--dry-run',
    ]);
    expect(plan.status).toBe(0);
    expect(plan.stdout).toContain('plan (dry run, nothing written): 2 files');
    expect(plan.stdout).toContain('already loaded (would be skipped): 1');

    const run = await cli(['bulk', '--section', '123', '--start', '2024-01-01', '--end', '2024-01-03']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('files: 2 loaded, 1 skipped, 0 failed');
    expect(run.stderr).toMatch(/files 3\/3 \(1 skipped\)\s+rows 4 .* (B|KiB|MiB)\/s\s+ETA/);

    const again = await cli(['bulk', '--section', '123', '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ success: true, files_processed: 0, files_skipped: 3 });
  });

  it('health prints each check and exits 0 when healthy; 1 with reasons when not', async () => {
    const { cli } = await freshWorld();
    const ok = await cli(['health']);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/^ok {3}clickhouse/m);
    expect(ok.stdout).toContain('healthy');
    const bad = await cli(['health', '--bucket', 'no-such-bucket', '--json']);
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.stdout).reasons.join('\n')).toContain('s3_from_lambda');
  });
});
