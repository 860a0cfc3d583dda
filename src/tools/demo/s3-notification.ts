import type { S3NotificationEvent } from '../local-s3/local-s3.js';

/**
 * s3rver leaves the object key raw in its notifications; AWS URL-encodes it (`+` for a space, `/` kept).
 * The demo hands the handler what AWS would send.
 */
export function asAwsNotification(event: S3NotificationEvent): S3NotificationEvent {
  return {
    Records: event.Records.map((record) => ({
      ...record,
      s3: {
        ...record.s3,
        object: { ...record.s3.object, key: encodeS3EventKey(record.s3.object.key) },
      },
    })),
  };
}

export function encodeS3EventKey(key: string): string {
  return encodeURIComponent(key).replace(/%2F/g, '/').replace(/%20/g, '+');
}
