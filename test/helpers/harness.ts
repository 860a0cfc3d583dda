import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../../src/config/env.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { type LocalS3, startLocalS3 } from '../../src/tools/local-s3/local-s3.js';
import { migrate } from '../../src/upgrade/migrate.js';

/** One embedded data directory per test process (chDB allows one per process). */
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-test-ch-'));

export interface Harness {
  s3: LocalS3;
  rt: Runtime;
  bucket: string;
  database: string;
  env: Record<string, string>;
  query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
  /**
   * A world of its own for one test: a new migrated database (so its own ledger) and, if asked, a new
   * empty bucket, on the same engine and S3 server. Tests that use it depend on no other test.
   */
  isolated(options?: {
    bucket?: boolean;
    migrate?: boolean;
    env?: Record<string, string>;
  }): Promise<Isolated>;
  close(): Promise<void>;
}

export interface Isolated {
  rt: Runtime;
  bucket: string;
  database: string;
  env: Record<string, string>;
  query<T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]>;
}

let isolatedCount = 0;

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
  const worlds: Isolated[] = [];
  return {
    s3,
    rt,
    bucket,
    database,
    env,
    query: queryOn(rt),
    async isolated(o = {}) {
      const own = `test_${randomBytes(6).toString('hex')}`;
      const ownBucket = o.bucket ? `isolated-${++isolatedCount}-${randomBytes(3).toString('hex')}` : bucket;
      if (o.bucket) await s3.createBucket(ownBucket);
      const ownEnv = { ...env, ...o.env, CLICKHOUSE_DATABASE: own, S3_XAPI_BUCKET_NAME: ownBucket };
      const ownRt = await createRuntime(loadConfig({ ...process.env, ...ownEnv }), {
        migrateEmbedded: false,
      });
      if (o.migrate !== false) await migrate(ownRt.engine.client);
      const world = { rt: ownRt, bucket: ownBucket, database: own, env: ownEnv, query: queryOn(ownRt) };
      worlds.push(world);
      return world;
    },
    async close() {
      for (const w of worlds) {
        await w.rt.engine.client.command({ query: `DROP DATABASE IF EXISTS ${w.database}` });
        await w.rt.close();
      }
      await rt.engine.client.command({ query: `DROP DATABASE IF EXISTS ${database}` });
      await rt.close();
      await s3.close();
    },
  };
}

function queryOn(rt: Runtime) {
  return async <T = Record<string, unknown>>(sql: string, params?: Record<string, unknown>): Promise<T[]> => {
    const rs = await rt.engine.client.query({ query: sql, query_params: params, format: 'JSONEachRow' });
    return rs.json<T>();
  };
}

/** Third-party and hand-written xAPI data (test/fixtures/SOURCES.md says where each file comes from). */
export const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
export const RALPH_SAMPLE = path.join(FIXTURES, 'ralph-video-sample/statements.sample.ndjson');
