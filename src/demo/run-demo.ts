import path from 'node:path';
import { loadConfig } from '../config/env.js';
import type { IngestResult } from '../load/ingest.js';
import { startLocalS3 } from '../local-s3/local-s3.js';
import { processFiles } from '../modes/process-files.js';
import { createRuntime } from '../runtime.js';
import { migrate } from '../schema/migrate.js';
import { sampleBundle } from './sample-bundle.js';

export interface DemoResult {
  endpoint: string;
  keys: string[];
  result: IngestResult;
  tables: Record<string, number>;
}

/**
 * The main job end to end on the embedded engine, offline: a local S3 (s3rver), a bundle uploaded under
 * the key layout, ClickHouse loading it from S3 itself, and the counts.
 */
export async function runDemo(log: (line: string) => void = console.log): Promise<DemoResult> {
  const dataDir = path.resolve(process.env.XAPI_ETL_DATA_DIR ?? '.xapi-etl');
  const s3 = await startLocalS3({ directory: path.join(dataDir, 'demo-s3') });
  log(`local S3 (s3rver) on ${s3.endpoint}`);
  // The demo's S3 is s3rver: its credentials reach ClickHouse's s3() the way Lambda role credentials would.
  process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
  const config = loadConfig({
    ...process.env,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    S3_XAPI_BUCKET_NAME: 'xapi',
  });
  const rt = await createRuntime(config);
  try {
    await s3.createBucket('xapi');
    const keys = ['101', '102'].map(
      (section) => `section/${section}/video/2024-01-01T12-00-00.000Z_bundle.jsonl`,
    );
    for (const [i, key] of keys.entries()) {
      await s3.put('xapi', key, sampleBundle(['101', '102'][i] as string));
      log(`uploaded s3://xapi/${key}`);
    }
    const migration = await migrate(rt.engine.client, { cluster: rt.engine.cluster });
    log(`schema at version ${migration.latestVersion} (${migration.applied.length} migrations applied now)`);
    const result = await processFiles(
      rt,
      keys.map((k) => `s3://xapi/${k}`),
      { mode: 'demo' },
    );
    const tables: Record<string, number> = {};
    for (const table of [
      'statements FINAL',
      'video_events FINAL',
      'rejected_statements FINAL',
      'ingested_files FINAL',
    ]) {
      const rs = await rt.engine.client.query({
        query: `SELECT count() AS n FROM ${table}`,
        format: 'JSONEachRow',
      });
      tables[table.split(' ')[0] as string] = Number((await rs.json<{ n: string }>())[0]?.n ?? 0);
    }
    return { endpoint: s3.endpoint, keys, result, tables };
  } finally {
    await rt.close();
    await s3.close();
  }
}
