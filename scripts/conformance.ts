// npm run conformance: measures xAPI validation, through the real load path on the embedded engine (a throw-away
// data directory), on the ADL conformance cases (all, and the development and held-out parts of the invalid
// ones) and on our own cases from the specification, family by family. Exit code 1 when a target is missed.
//
//   npm run conformance -- --valid <file.jsonl|folder> --invalid <file.jsonl|folder>
// also judges other statements (a folder of .json files, or JSON lines), e.g. another suite's test data.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/env.js';
import { createRuntime } from '../src/runtime.js';
import { migrate } from '../src/upgrade/migrate.js';
import { conformanceReport } from '../test/helpers/conformance/figures.js';
import { type Case, figuresOf, judge } from '../test/helpers/conformance/judge.js';

function statementsIn(target: string): unknown[] {
  if (fs.statSync(target).isDirectory()) {
    return fs
      .readdirSync(target)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(fs.readFileSync(path.join(target, f), 'utf8')));
  }
  return fs
    .readFileSync(target, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

const args = process.argv.slice(2);
const option = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-conformance-ch-'));
// Always the embedded engine: the figures must not depend on (or touch) a configured server.
const { CLICKHOUSE_HOST: _server, ...env } = process.env;
const rt = await createRuntime(
  loadConfig({ ...env, XAPI_ETL_DATA_DIR: dataDir, CLICKHOUSE_DATABASE: 'conformance' }),
);
try {
  await migrate(rt.engine.client);
  const { adl, spec } = await conformanceReport(rt);
  const pct = (a: number, b: number) => `${a}/${b} (${b === 0 ? 0 : Math.round((1000 * a) / b) / 10}%)`;
  console.log('ADL LRS conformance cases (test/fixtures/adl-conformance-v1_0_3):');
  console.log(
    `  valid cases loaded:   lenient ${pct(adl.valid.loadedLenient, adl.valid.cases)}, strict ${pct(adl.valid.loadedStrict, adl.valid.cases)}`,
  );
  console.log(
    `  invalid cases rejected in strict mode: ${pct(adl.invalid.rejectedStrict, adl.invalid.cases)} (lenient: ${adl.invalid.rejectedLenient})`,
  );
  console.log(`    development part: ${pct(adl.development.rejectedStrict, adl.development.cases)}`);
  console.log(`    held-out part:    ${pct(adl.heldOut.rejectedStrict, adl.heldOut.cases)}`);
  console.log('  strict rejections by reason:', JSON.stringify(adl.strictReasons));
  for (const m of adl.missed)
    console.log(`  NOT REJECTED ${m.id}  ${m.requirement.slice(0, 100)}  [${m.test}]`);
  for (const f of adl.falseRejections)
    console.log(`  VALID REJECTED ${f.id} (${f.mode}): ${f.reason} ${f.detail}`);
  console.log('Our cases from the specification (test/fixtures/xapi-spec-cases), by family:');
  for (const f of spec) {
    console.log(
      `  ${f.family.padEnd(24)} valid loaded ${pct(f.validLoaded, f.valid)}; invalid rejected ${pct(f.invalidRejected, f.invalid)}, with the rule they break ${pct(f.withItsRule, f.invalid)}`,
    );
    for (const w of f.wrong) console.log(`    ${w.id}: expected ${w.expected}, got ${w.got}`);
  }
  const valid = option('--valid');
  const invalid = option('--invalid');
  if (valid || invalid) {
    const cases: Case[] = [
      ...(valid
        ? statementsIn(valid).map((statement, i) => ({ id: `valid-${i + 1}`, valid: true, statement }))
        : []),
      ...(invalid
        ? statementsIn(invalid).map((statement, i) => ({ id: `invalid-${i + 1}`, valid: false, statement }))
        : []),
    ];
    const f = figuresOf(await judge(rt, cases));
    console.log(`Other statements (${[valid, invalid].filter(Boolean).join(', ')}):`);
    console.log(
      `  valid loaded: lenient ${pct(f.valid.loadedLenient, f.valid.cases)}, strict ${pct(f.valid.loadedStrict, f.valid.cases)}`,
    );
    console.log(`  invalid rejected in strict mode: ${pct(f.invalid.rejectedStrict, f.invalid.cases)}`);
  }
  const targetsMet =
    adl.valid.loadedLenient === adl.valid.cases &&
    adl.valid.loadedStrict === adl.valid.cases &&
    adl.invalid.rejectedStrict / adl.invalid.cases >= 0.98 &&
    spec.every((f) => f.wrong.length === 0);
  if (!targetsMet) process.exitCode = 1;
} finally {
  await rt.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
}
