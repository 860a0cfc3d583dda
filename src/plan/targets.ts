import type { S3Client } from '@aws-sdk/client-s3';
import { InputError } from '../errors.js';
import { isBundleKey } from './file-format.js';
import { localSourceObjects } from './local-files.js';
import { headObject, listObjects } from './s3-objects.js';
import type { SourceObject } from './source-object.js';

/**
 * Resolves what a user names on the command line into file versions:
 * `s3://bucket/key` (one object), `s3://bucket/prefix/` (every bundle under it), or local files/folders.
 */
export async function resolveTargets(s3: S3Client, targets: string[]): Promise<SourceObject[]> {
  if (targets.length === 0)
    throw new InputError('Name at least one s3://bucket/key, s3://bucket/prefix/, or local path');
  const out: SourceObject[] = [];
  const local: string[] = [];
  for (const target of targets) {
    const uri = parseS3Uri(target);
    if (!uri) {
      local.push(target);
      continue;
    }
    if (uri.key === '' || uri.key.endsWith('/')) {
      for await (const o of listObjects(s3, uri.bucket, uri.key)) if (isBundleKey(o.key)) out.push(o);
    } else {
      out.push(await headObject(s3, uri.bucket, uri.key));
    }
  }
  return [...out, ...localSourceObjects(local)];
}

export function parseS3Uri(text: string): { bucket: string; key: string } | undefined {
  if (!text.startsWith('s3://')) return undefined;
  const rest = text.slice('s3://'.length);
  const slash = rest.indexOf('/');
  const bucket = slash === -1 ? rest : rest.slice(0, slash);
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket))
    throw new InputError(`${text}: "${bucket}" is not a valid bucket name`);
  return { bucket, key: slash === -1 ? '' : rest.slice(slash + 1) };
}
