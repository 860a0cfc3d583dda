import {
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { InputError, SourceError } from '../errors.js';
import { type SourceObject, stripEtagQuotes } from './source-object.js';

/** HEAD one object: its current ETag and size (what the ledger records). */
export async function headObject(s3: S3Client, bucket: string, key: string): Promise<SourceObject> {
  try {
    const out = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { kind: 's3', bucket, key, etag: stripEtagQuotes(out.ETag), size: out.ContentLength ?? 0 };
  } catch (cause) {
    const status = (cause as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404) {
      throw new InputError(
        `s3://${bucket}/${key} does not exist (it may have been deleted after the upload)`,
        {
          cause,
        },
      );
    }
    if (status === 403) {
      throw new SourceError(
        `Access denied to s3://${bucket}/${key}: check the role's s3:GetObject permission`,
        {
          retryable: false,
          cause,
        },
      );
    }
    throw new SourceError(`Could not read s3://${bucket}/${key}: ${(cause as Error).name}`, { cause });
  }
}

/** Lists every object under a prefix, page by page. */
export async function* listObjects(
  s3: S3Client,
  bucket: string,
  prefix: string,
  startAfter?: string,
): AsyncGenerator<SourceObject> {
  let token: string | undefined;
  do {
    let page: ListObjectsV2CommandOutput;
    try {
      page = await s3.send(
        new ListObjectsV2Command({
          Bucket: bucket,
          Prefix: prefix,
          ContinuationToken: token,
          StartAfter: token ? undefined : startAfter,
        }),
      );
    } catch (cause) {
      throw new SourceError(`Could not list s3://${bucket}/${prefix}: ${(cause as Error).name}`, { cause });
    }
    for (const o of page.Contents ?? []) {
      if (!o.Key) continue;
      yield { kind: 's3', bucket, key: o.Key, etag: stripEtagQuotes(o.ETag), size: o.Size ?? 0 };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}
