import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { desAvailable } from '../../src/tools/local-s3/legacy-des.js';
import { startLocalS3 } from '../../src/tools/local-s3/local-s3.js';
import { runCli } from '../helpers/cli.js';
import { closedPort } from '../helpers/closed-port.js';

/**
 * `xapi-etl local-s3`, the local S3 of README's "Using it on your data". s3rver signs listing
 * continuation tokens with DES, which Node ≥ 17 has only with OpenSSL's legacy provider: without it,
 * every paginated listing (over 1,000 keys, or MaxKeys=1) answers "internal error". The command runs
 * s3rver in a Node that has it.
 */
async function listAll(client: S3Client, bucket: string): Promise<string[]> {
  const keys: string[] = [];
  let token: string | undefined;
  do {
    const page = await client.send(
      new ListObjectsV2Command({ Bucket: bucket, MaxKeys: 1, ContinuationToken: token }),
    );
    keys.push(...(page.Contents ?? []).map((o) => o.Key as string));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return keys;
}

const client = (endpoint: string) =>
  new S3Client({
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  });

describe('xapi-etl local-s3', () => {
  it('--background starts it with bucket "xapi" and paginated listings that work; --stop stops it', async () => {
    const port = await closedPort();
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-local-s3-'));
    const started = await runCli(['local-s3', '--background', '--port', String(port), '--dir', dir]);
    expect(started.status, started.stderr).toBe(0);
    expect(started.stdout).toContain(`local S3 on http://127.0.0.1:${port}`);
    expect(started.stdout).toContain(
      `export AWS_ENDPOINT_URL_S3=http://127.0.0.1:${port} AWS_ACCESS_KEY_ID=S3RVER`,
    );
    const s3 = client(`http://127.0.0.1:${port}`);
    try {
      for (const k of ['a.jsonl', 'b.jsonl', 'c.jsonl']) {
        await s3.send(new PutObjectCommand({ Bucket: 'xapi', Key: k, Body: '{}\n' }));
      }
      expect(await listAll(s3, 'xapi')).toEqual(['a.jsonl', 'b.jsonl', 'c.jsonl']);
      const again = await runCli(['local-s3', '--background', '--port', String(port), '--dir', dir]);
      expect(again.status).toBe(2);
      expect(again.stderr).toContain(`port ${port} is in use`);
    } finally {
      s3.destroy();
      const stopped = await runCli(['local-s3', '--stop', '--dir', dir]);
      expect(stopped.stdout).toContain('local S3 stopped');
    }
    expect((await runCli(['local-s3', '--stop', '--dir', dir])).status).toBe(1);
  });

  it.runIf(!desAvailable())('why: s3rver in a Node without the legacy provider cannot paginate', async () => {
    const plain = await startLocalS3();
    try {
      await plain.createBucket('xapi');
      for (const k of ['a', 'b']) await plain.put('xapi', k, 'x');
      await expect(listAll(plain.client, 'xapi')).rejects.toThrow();
    } finally {
      await plain.close();
    }
  });
});
