import { S3Client } from '@aws-sdk/client-s3';
import type { S3Config } from '../config/env.js';

/** The SDK client the planner uses to list and inspect objects (never to read statement data). */
export function createS3Client(config: S3Config): S3Client {
  return new S3Client({
    region: config.region,
    // AWS_ENDPOINT_URL_S3 is read by the SDK itself too; path style is what s3rver and MinIO expect.
    ...(config.endpoint ? { endpoint: config.endpoint, forcePathStyle: true } : {}),
    maxAttempts: 4,
  });
}
