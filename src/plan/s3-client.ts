import { S3Client } from '@aws-sdk/client-s3';

const endpoints = new WeakMap<S3Client, string>();

/** Where S3 is (the configuration's S3Config has these; the planner needs nothing else of it). */
export interface S3Location {
  region: string;
  /** A custom endpoint (s3rver, MinIO); undefined for AWS itself. */
  endpoint?: string;
}

/** The SDK client the planner uses to list and inspect objects (never to read statement data). */
export function createS3Client(config: S3Location): S3Client {
  const client = new S3Client({
    region: config.region,
    // AWS_ENDPOINT_URL_S3 is read by the SDK itself too; path style is what s3rver and MinIO expect.
    ...(config.endpoint ? { endpoint: config.endpoint, forcePathStyle: true } : {}),
    maxAttempts: 4,
    // Without these an endpoint that accepts connections but never answers holds a request forever.
    requestHandler: { connectionTimeout: 10_000, requestTimeout: 30_000 },
  });
  if (config.endpoint) endpoints.set(client, config.endpoint);
  return client;
}

/** The custom endpoint a client talks to (for error messages), or undefined for AWS itself. */
export function endpointOf(client: S3Client): string | undefined {
  return endpoints.get(client);
}
