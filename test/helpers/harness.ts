import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/env.js';
import { type LocalS3, startLocalS3 } from '../../src/local-s3/local-s3.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { migrate } from '../../src/schema/migrate.js';

/** One embedded data directory per test process (chDB allows one per process). */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-test-ch-'));

export interface Harness {
  s3: LocalS3;
  rt: Runtime;
  bucket: string;
  database: string;
  env: Record<string, string>;
  query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  close(): Promise<void>;
}

/** A real s3rver on a free loopback port, and a fresh database in the embedded engine, migrated. */
export async function startHarness(
  options: { env?: Record<string, string>; migrate?: boolean } = {},
): Promise<Harness> {
  const s3 = await startLocalS3();
  const bucket = 'xapi';
  await s3.createBucket(bucket);
  const database = `test_${randomBytes(6).toString('hex')}`;
  const env = {
    XAPI_ETL_DATA_DIR: dataDir,
    CLICKHOUSE_DATABASE: database,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    S3_XAPI_BUCKET_NAME: bucket,
    ...options.env,
  };
  const rt = await createRuntime(loadConfig({ ...process.env, ...env }), { migrateEmbedded: false });
  if (options.migrate !== false) await migrate(rt.engine.client);
  return {
    s3,
    rt,
    bucket,
    database,
    env,
    async query(sql, params) {
      const rs = await rt.engine.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
      return rs.json();
    },
    async close() {
      await rt.engine.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await rt.close();
      await s3.close();
    },
  };
}

/** Third-party and hand-written xAPI data (test/fixtures/SOURCES.md says where each file comes from). */
export const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
export const RALPH_SAMPLE = path.join(FIXTURES, 'ralph-video-sample/statements.sample.ndjson');
