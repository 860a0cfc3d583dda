import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { extractZip } from '../../scripts/read-zip.mjs';
import { FIXTURES } from './harness.js';

/**
 * xapi-etl v0.1.0 as users run it: its released Lambda package (test/fixtures/v0.1.0, built by deploy.sh from the
 * tag), extracted under build/ so that its lazy `import('chdb/connection')` resolves from this project's
 * node_modules, as the Lambda's does from nothing (it talks to a server there).
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const ZIP = path.join(FIXTURES, 'v0.1.0/xapi-etl-processor-c6c169cd257bcad1.zip');

let extracted: Promise<string> | undefined;

export function previousBundle(): Promise<string> {
  extracted ??= extractZip(ZIP, path.join(ROOT, 'build/previous-version/v0.1.0'));
  return extracted;
}

/** Runs v0.1.0's handler on each payload in a process of its own; its results, in order. */
export async function invokePrevious(
  payloads: unknown[],
  env: Record<string, string>,
): Promise<Record<string, unknown>[]> {
  const dir = await previousBundle();
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-prev-')), 'payloads.json');
  fs.writeFileSync(file, JSON.stringify(payloads));
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'test/helpers/previous-version-invoke.mjs'), dir, file],
    {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        AWS_ACCESS_KEY_ID: process.env.AWS_ACCESS_KEY_ID ?? '',
        AWS_SECRET_ACCESS_KEY: process.env.AWS_SECRET_ACCESS_KEY ?? '',
        AWS_REGION: 'us-east-1',
        AWS_EC2_METADATA_DISABLED: 'true',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        POWERTOOLS_LOG_LEVEL: 'ERROR',
        POWERTOOLS_METRICS_DISABLED: 'true',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (c) => {
    out += c;
  });
  child.stderr.on('data', (c) => {
    err += c;
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const results = out
    .split('\n')
    .filter((l) => l.startsWith('RESULT '))
    .map((l) => JSON.parse(l.slice(7)) as Record<string, unknown>);
  if (code !== 0 || results.length !== payloads.length)
    throw new Error(
      `v0.1.0 exited ${code} with ${results.length}/${payloads.length} results:\n${err.slice(-3000)}`,
    );
  return results;
}
