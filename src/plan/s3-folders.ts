import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import { endpointOf } from './s3-client.js';
import { s3SourceError } from './s3-errors.js';

/**
 * The "folders" directly under a prefix (S3 common prefixes with delimiter "/"), e.g. section ids.
 * Some S3-compatible servers (s3rver) return no common prefixes when keys sit more than one folder
 * deeper: then (and only then) the folders are read from a full listing of the prefix.
 */
export async function listFolders(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await list(s3, { Bucket: bucket, Prefix: prefix, Delimiter: '/', ContinuationToken: token });
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.push(p.Prefix);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out.length > 0 ? out : foldersFromFullListing(s3, bucket, prefix);
}

async function foldersFromFullListing(s3: S3Client, bucket: string, prefix: string): Promise<string[]> {
  const folders = new Set<string>();
  let token: string | undefined;
  do {
    const page = await list(s3, { Bucket: bucket, Prefix: prefix, ContinuationToken: token });
    for (const o of page.Contents ?? []) {
      const slash = o.Key?.indexOf('/', prefix.length) ?? -1;
      if (o.Key && slash !== -1) folders.add(o.Key.slice(0, slash + 1));
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return [...folders].sort();
}

async function list(
  s3: S3Client,
  input: ConstructorParameters<typeof ListObjectsV2Command>[0],
): Promise<ListObjectsV2CommandOutput> {
  try {
    return await s3.send(new ListObjectsV2Command(input));
  } catch (cause) {
    const bucket = input.Bucket ?? '';
    throw s3SourceError(`Could not list s3://${bucket}/${input.Prefix ?? ''}`, cause, {
      bucket,
      key: input.Prefix,
      endpoint: endpointOf(s3),
    });
  }
}
