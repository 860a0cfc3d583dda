#!/usr/bin/env node
// npm run conformance: measures xAPI validation on test/fixtures/adl-conformance-v1_0_3 (or the folder
// given as the first argument) with the embedded engine in a throw-away data directory, and prints the figure.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../dist/config/env.js';
import { measureConformance } from '../dist/conformance/adl-conformance.js';
import { createRuntime } from '../dist/runtime.js';
import { migrate } from '../dist/schema/migrate.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const corpus = path.resolve(process.argv[2] ?? path.join(here, '../test/fixtures/adl-conformance-v1_0_3'));
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-conformance-ch-'));
// Always the embedded engine: the figure must not depend on (or touch) a configured server.
const { CLICKHOUSE_HOST: _server, ...env } = process.env;
const rt = await createRuntime(
  loadConfig({ ...env, XAPI_ETL_DATA_DIR: dataDir, CLICKHOUSE_DATABASE: 'conformance' }),
);
try {
  await migrate(rt.engine.client);
  const f = await measureConformance(rt, corpus);
  console.log(
    `valid cases:   ${f.valid.cases}; loaded lenient ${f.valid.loadedLenient}, strict ${f.valid.loadedStrict}`,
  );
  console.log(
    `invalid cases: ${f.invalid.cases}; rejected strict ${f.invalid.rejectedStrict} (${f.invalid.rejectedStrictPercent}%), lenient ${f.invalid.rejectedLenient}`,
  );
  console.log('strict rejections by rule:', JSON.stringify(f.strictReasons));
  console.log(`not rejected in strict mode (${f.missed.length}):`);
  for (const m of f.missed) console.log(`  ${m.caseId}  ${m.requirement.slice(0, 110)}  [${m.test}]`);
  if (f.valid.loadedLenient !== f.valid.cases || f.valid.loadedStrict !== f.valid.cases) process.exitCode = 1;
  if (f.invalid.rejectedStrictPercent < 90) process.exitCode = 1;
} finally {
  await rt.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
