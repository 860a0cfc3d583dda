import fs from 'node:fs/promises';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { mapLimited } from '../concurrency.js';
import { type Compression, fileFormat } from './file-format.js';
import { endpointOf } from './s3-client.js';
import { s3SourceError } from './s3-errors.js';
import type { SourceObject } from './source-object.js';

/**
 * Amazon Data Firehose names its objects without an extension, compressed or not: for such a name the first
 * bytes say how to decompress it (one ranged GET of 6 bytes; nothing else of the file passes through here).
 * ClickHouse decompresses by extension only, so the load names the compression of these files explicitly.
 */
const MAGIC: [Compression, number[]][] = [
  ['gzip', [0x1f, 0x8b]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['bz2', [0x42, 0x5a, 0x68]],
];
const SNIFF_BYTES = 6;
const SNIFF_CONCURRENCY = 16;

export function compressionOf(head: Uint8Array): Compression {
  for (const [compression, magic] of MAGIC) if (magic.every((b, i) => head[i] === b)) return compression;
  return 'none';
}

/** Each object whose name gives no compression, with the compression its content shows. */
export async function sniffCompressions(s3: S3Client, objects: SourceObject[]): Promise<SourceObject[]> {
  return mapLimited(objects, SNIFF_CONCURRENCY, async (o) => {
    if (o.compression || fileFormat(o.key)?.compression !== 'unknown') return o;
    if (o.size === 0) return { ...o, compression: 'none' as const };
    const head = o.kind === 's3' ? await s3Head(s3, o) : await localHead(o.key);
    return { ...o, compression: compressionOf(head) };
  });
}

async function s3Head(s3: S3Client, o: SourceObject): Promise<Uint8Array> {
  try {
    const out = await s3.send(
      new GetObjectCommand({
        Bucket: o.bucket,
        Key: o.key,
        Range: `bytes=0-${SNIFF_BYTES - 1}`,
        IfMatch: `"${o.etag}"`,
      }),
    );
    return (await out.Body?.transformToByteArray()) ?? new Uint8Array();
  } catch (cause) {
    // Changed or gone since it was planned: the load keeps only the planned version, and marks it superseded.
    const status = (cause as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 412 || status === 404) return new Uint8Array();
    throw s3SourceError(`Could not read s3://${o.bucket}/${o.key}`, cause, {
      bucket: o.bucket,
      key: o.key,
      endpoint: endpointOf(s3),
    });
  }
}

async function localHead(file: string): Promise<Uint8Array> {
  const handle = await fs.open(file, 'r');
  try {
    const buffer = Buffer.alloc(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
