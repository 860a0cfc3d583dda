/**
 * Migrates an embedded-engine data directory once per benchmark run. Each measurement then starts
 * from a copy of it (its own data directory, its own process) instead of migrating again: creating the
 * materialized views is the slow part of start-up, and it is not what is measured.
 * Usage: node --import tsx bench/prepare-template.ts DATA_DIR → prints `RESULT {"engineVersion":…}`.
 */
import { loadConfig } from '../src/config/env.js';
import { createRuntime } from '../src/runtime.js';
import { migrate } from '../src/upgrade/migrate.js';

const dataDir = process.argv[2] ?? '';
const rt = await createRuntime(
  loadConfig({ ...process.env, XAPI_ETL_DATA_DIR: dataDir, CLICKHOUSE_DATABASE: 'bench' }),
);
const t0 = performance.now();
await migrate(rt.engine.client);
const migrateMs = performance.now() - t0;
const rs = await rt.engine.client.query({ query: 'SELECT version() AS v', format: 'JSONEachRow' });
const engineVersion = (await rs.json<{ v: string }>())[0]?.v;
await rt.close();
process.stdout.write(`RESULT ${JSON.stringify({ engineVersion, migrateMs })}\n`);
process.exit(0);
