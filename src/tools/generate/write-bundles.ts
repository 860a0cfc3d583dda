import fs from 'node:fs/promises';
import path from 'node:path';
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { endpointOf } from '../../plan/s3-client.js';
import { s3SourceError } from '../../plan/s3-errors.js';
import { type Bundle, bundleBody } from './bundles.js';
import type { EncodedBundle } from './layout-keys.js';

export interface WriteSummary {
  files: number;
  lines: number;
  statements: number;
  voiding: number;
  broken: number;
  bytes: number;
  /** Where each bundle went: a local path or s3://bucket/key. */
  locations: string[];
}

/**
 * Writes bundles under their key layout to a local folder (`./out` → `./out/section/…`) or to S3
 * (`s3://bucket/prefix/` → `prefix/section/…`), a few uploads at a time.
 */
export async function writeBundles(
  bundles: Iterable<Bundle>,
  target: string,
  s3?: S3Client,
  onWritten?: (location: string) => void,
  /** Another key layout or a compression (src/tools/generate/layout-keys.ts); default: the bundle's key, as JSON lines. */
  encode: (bundle: Bundle) => EncodedBundle = (bundle) => ({ key: bundle.key, body: bundleBody(bundle) }),
): Promise<WriteSummary> {
  const summary: WriteSummary = {
    files: 0,
    lines: 0,
    statements: 0,
    voiding: 0,
    broken: 0,
    bytes: 0,
    locations: [],
  };
  const s3Target = /^s3:\/\/([^/]+)\/?(.*)$/.exec(target);
  if (s3Target && !s3) throw new Error('writing to s3:// needs an S3 client');
  const pending: Promise<void>[] = [];
  for (const bundle of bundles) {
    const { key: bundleKey, body } = encode(bundle);
    summary.files++;
    summary.lines += bundle.lines.length;
    summary.bytes += typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    for (const line of bundle.lines) summary[line.kind === 'statement' ? 'statements' : line.kind]++;
    const write = async () => {
      let location: string;
      if (s3Target && s3) {
        const [, bucket, prefix] = s3Target as unknown as [string, string, string];
        const key = prefix ? `${prefix.replace(/\/?$/, '/')}${bundleKey}` : bundleKey;
        try {
          await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body }));
        } catch (cause) {
          throw s3SourceError(`Could not write s3://${bucket}/${key}`, cause, {
            bucket,
            key,
            endpoint: endpointOf(s3),
          });
        }
        location = `s3://${bucket}/${key}`;
      } else {
        location = path.join(target, bundleKey);
        await fs.mkdir(path.dirname(location), { recursive: true });
        await fs.writeFile(location, body);
      }
      summary.locations.push(location);
      onWritten?.(location);
    };
    pending.push(write());
    if (pending.length >= 8) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
  summary.locations.sort();
  return summary;
}
