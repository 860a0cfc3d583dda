import {
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { InputError } from '../errors.js';
import { endpointOf } from './s3-client.js';
import { describeS3Failure, s3SourceError } from './s3-errors.js';
import { type SourceObject, stripEtagQuotes } from './source-object.js';

/** HEAD one object: its current ETag and size (what the ledger records). */
export async function headObject(s3: S3Client, bucket: string, key: string): Promise<SourceObject> {
  const endpoint = endpointOf(s3);
  try {
    const out = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { kind: 's3', bucket, key, etag: stripEtagQuotes(out.ETag), size: out.ContentLength ?? 0 };
  } catch (cause) {
    const failure = describeS3Failure(cause, { bucket, key, endpoint });
    if (failure.kind === 'no_key') {
      // A HEAD answer has no body: ask whether the bucket itself is missing, to say which.
      if (await bucketMissing(s3, bucket)) {
        throw s3SourceError(
          `Could not read s3://${bucket}/${key}`,
          { name: 'NoSuchBucket' },
          { bucket, endpoint },
        );
      }
      throw new InputError(
        `s3://${bucket}/${key} does not exist (it may have been deleted after the upload)`,
        {
          cause,
        },
      );
    }
    throw s3SourceError(`Could not read s3://${bucket}/${key}`, cause, { bucket, key, endpoint });
  }
}

async function bucketMissing(s3: S3Client, bucket: string): Promise<boolean> {
  try {
    await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    return false;
  } catch (error) {
    return (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 404;
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
      throw s3SourceError(`Could not list s3://${bucket}/${prefix}`, cause, {
        bucket,
        key: prefix,
        endpoint: endpointOf(s3),
      });
    }
    for (const o of page.Contents ?? []) {
      if (!o.Key) continue;
      yield { kind: 's3', bucket, key: o.Key, etag: stripEtagQuotes(o.ETag), size: o.Size ?? 0 };
    }
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
}
