import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LocalS3, startLocalS3 } from '../../src/tools/local-s3/local-s3.js';
import { runCli } from '../helpers/cli.js';

/**
 * One style in what the CLI prints. Before: `migrate --json` was camelCase (and `process --json` had
 * `retryableFailure`) while everything else was snake_case; sizes mixed KiB, MiB and MB.
 */
const AWS_NAMES = new Set(['batchItemFailures', 'itemIdentifier']); // the Lambda SQS contract's own

function nonSnakeKeys(value: unknown, where = '$'): string[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => nonSnakeKeys(v, `${where}[${i}]`));
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([k, v]) => [
    ...(/^[a-z][a-z0-9_]*$/.test(k) || AWS_NAMES.has(k) ? [] : [`${where}.${k}`]),
    ...nonSnakeKeys(v, `${where}.${k}`),
  ]);
}

describe('CLI output style', () => {
  let s3: LocalS3;
  let env: Record<string, string>;
  let dir: string;

  beforeAll(async () => {
    s3 = await startLocalS3();
    await s3.createBucket('xapi');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-style-'));
    env = {
      XAPI_ETL_DATA_DIR: path.join(dir, 'data'),
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      S3_XAPI_BUCKET_NAME: 'xapi',
    };
  });
  afterAll(async () => {
    await s3?.close();
  });

  it('every --json output is snake_case, and every size is in B/KiB/MiB/GiB', async () => {
    const json: [string, string[]][] = [
      ['migrate', ['migrate', '--json']],
      ['generate', ['generate', 's3://xapi/', '--sections', '2', '--days', '2', '--json']],
      ['process dry run', ['process', 's3://xapi/section/101/', '--dry-run', '--json']],
      ['process', ['process', 's3://xapi/section/101/', '--json']],
      ['bulk dry run', ['bulk', '--dry-run', '--json']],
      ['bulk', ['bulk', '--json']],
      ['invoke', ['invoke', 'examples/event-direct.json']],
      ['health', ['health', '--json']],
    ];
    const text: string[] = [];
    for (const [name, args] of json) {
      const r = await runCli(args, { env });
      expect([0, 1], `${name}: ${r.stderr}`).toContain(r.status);
      const parsed = JSON.parse(r.stdout);
      expect(nonSnakeKeys(parsed), name).toEqual([]);
      text.push(r.stderr);
    }
    for (const args of [
      ['generate', path.join(dir, 'out'), '--sections', '1', '--days', '1'],
      ['bulk', '--dry-run'],
      ['process', 's3://xapi/section/102/'],
      ['report', '--out', path.join(dir, 'report.html')],
    ]) {
      const r = await runCli(args, { env });
      expect(r.status, r.stderr).toBe(0);
      text.push(r.stdout, r.stderr);
    }
    const all = text.join('\n');
    expect(all).toMatch(/\d(\.\d)? (KiB|MiB)/);
    expect(all).not.toMatch(/\d(\.\d+)? ?(MB|KB|GB)\b/);
  });
});
