/**
 * One measurement in a fresh process (chDB is one engine per process): open the embedded engine in
 * its own data directory (a copy of the run's migrated template, so `migrate` finds nothing to do), run
 * one scenario, print `RESULT {json}` on stdout.
 * Usage: node --import tsx bench/child.ts '<ScenarioSpec as JSON>'
 */
import { loadConfig } from '../src/config/env.js';
import { createRuntime } from '../src/runtime.js';
import { migrate } from '../src/upgrade/migrate.js';
import { runFullSchema } from './scenarios/full-schema.js';
import { runNaive } from './scenarios/naive.js';
import { runPerColumn } from './scenarios/per-column.js';
import { runRawCopy } from './scenarios/raw-copy.js';
import { runStrict } from './scenarios/strict.js';
import type { ScenarioResult, ScenarioSpec } from './types.js';

const spec = JSON.parse(process.argv[2] ?? '{}') as ScenarioSpec;
const rt = await createRuntime(
  loadConfig({ ...process.env, XAPI_ETL_DATA_DIR: spec.dataDir, CLICKHOUSE_DATABASE: 'bench' }),
);
await migrate(rt.engine.client);
// Session settings persist in chDB's session: a tuning experiment sets them once, before timing.
for (const [name, value] of Object.entries(spec.settings ?? {})) {
  // SET takes no query parameters: names and values are checked against a strict pattern instead.
  if (!/^[a-z_][a-z0-9_]*$/.test(name) || !/^[A-Za-z0-9_.]+$/.test(String(value))) {
    throw new Error(`refusing setting ${name}=${value}`);
  }
  await rt.engine.client.command({
    query: `SET ${name} = ${typeof value === 'number' ? value : `'${value}'`}`,
  });
}

const runners = {
  full: runFullSchema,
  naive: runNaive,
  raw: runRawCopy,
  'per-column': runPerColumn,
  strict: runStrict,
};
const result: ScenarioResult = await runners[spec.scenario](rt, spec);
process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
// Exit without closing: the data directory is thrown away and chDB's shutdown adds nothing to measure.
process.exit(0);
