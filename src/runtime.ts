import type { S3Client } from '@aws-sdk/client-s3';
import type { AppConfig } from './config/env.js';
import { createEngine, type Engine } from './engine/create-engine.js';
import { createS3Client } from './plan/s3-client.js';

/** What every mode needs: configuration, the ClickHouse engine and an S3 client for planning. */
export interface Runtime {
  config: AppConfig;
  engine: Engine;
  s3: S3Client;
  close(): Promise<void>;
}

export async function createRuntime(config: AppConfig): Promise<Runtime> {
  const engine = await createEngine(config);
  const s3 = createS3Client(config.s3);
  return {
    config,
    engine,
    s3,
    close: async () => {
      s3.destroy();
      await engine.close();
    },
  };
}
