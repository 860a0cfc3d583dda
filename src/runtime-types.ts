import type { S3Client } from '@aws-sdk/client-s3';
import type { AppConfig } from './config/env.js';
import type { Engine } from './engine/create-engine.js';

/** What every mode needs: configuration, the ClickHouse engine and an S3 client for planning. */
export interface Runtime {
  config: AppConfig;
  engine: Engine;
  s3: S3Client;
  /** Set when opening the embedded engine applied migrations (a new or older data directory). */
  migrated?: { applied: { version: number; name: string }[]; latestVersion: number };
  close(): Promise<void>;
}
