import { createS3Client } from '../../src/plan/s3-client.js';
import type { Runtime } from '../../src/runtime.js';

/**
 * The same engine, reaching S3 through another endpoint (a fault proxy, a closed port): what a Lambda
 * configured with that AWS_ENDPOINT_URL_S3 would use. Both the SDK and ClickHouse's s3() go there.
 */
export function runtimeVia(rt: Runtime, endpoint: string): Runtime {
  const s3Config = { ...rt.config.s3, endpoint };
  const s3 = createS3Client(s3Config);
  return {
    ...rt,
    config: { ...rt.config, s3: s3Config },
    s3,
    close: async () => s3.destroy(),
  };
}
