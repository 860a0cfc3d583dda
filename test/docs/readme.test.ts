import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliCommand, ROOT } from '../helpers/cli.js';
import { closedPort } from '../helpers/closed-port.js';

/**
 * README's "Using it on your data", run as written, in order, in bash: the blocks marked
 * `<!-- tested: test/docs/readme.test.ts -->`. Only three things differ from a user's shell: `npx
 * xapi-etl` runs the current sources, the local S3 gets a free port instead of 4569 (another test may
 * hold it), and the data directory is a temporary one. Before: the section pointed at 127.0.0.1:4569
 * without starting anything there, named a key that existed nowhere, and 5 of the 7 examples failed.
 */
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const MARK = '<!-- tested: test/docs/readme.test.ts -->';

function testedBlocks(): string[] {
  return README.split(MARK)
    .slice(1)
    .map((part) => /```sh\n([\s\S]*?)```/.exec(part)?.[1] ?? '');
}

describe('README: Using it on your data', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-readme-'));
  let port = 0;
  const cli = cliCommand([])
    .map((a) => `'${a}'`)
    .join(' ');

  afterAll(async () => {
    // Whatever happened, no local S3 is left running.
    await run(`npx xapi-etl local-s3 --stop || true`);
  });

  function run(script: string): Promise<{ status: number | null; out: string }> {
    const prologue = [
      'set -euo pipefail',
      // `npx xapi-etl …` → the current sources; the local S3 on this test's port.
      `npx() { if [ "$1" = xapi-etl ]; then shift; if [ "$1" = local-s3 ]; then set -- "$@" --port ${port}; fi; node ${cli} "$@"; else command npx "$@"; fi; }`,
      `export XAPI_ETL_DATA_DIR='${dataDir}'`,
      '',
    ].join('\n');
    return new Promise((resolve) => {
      const child = spawn('bash', ['-c', prologue + script.replaceAll('4569', String(port))], {
        cwd: ROOT,
        env: { ...process.env, AWS_ENDPOINT_URL_S3: '', S3_XAPI_BUCKET_NAME: '', NO_COLOR: '1' },
      });
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        out += d;
      });
      child.on('close', (status) => resolve({ status, out }));
    });
  }

  it('every command of the section works, in order, and every example payload runs', async () => {
    port = await closedPort();
    const blocks = testedBlocks();
    expect(blocks).toHaveLength(3);
    const [main = '', examples = '', firehose = ''] = blocks;
    expect(main).toContain('npx xapi-etl local-s3 --background');
    expect(main).toContain('npx xapi-etl generate s3://xapi/');

    // A new user ran `npm run demo` first (Quick start), in the same data directory; then pastes both
    // blocks, one after the other, in one shell.
    const demo = await run(`npx xapi-etl demo --report '${path.join(dataDir, 'report.html')}'`);
    expect(demo.status, demo.out).toBe(0);
    const r = await run(`${main}\n${examples}\n${firehose}`);
    console.log(r.out.slice(-4000));
    expect(r.status, r.out).toBe(0);
    expect(r.out).toContain(`local S3 on http://127.0.0.1:${port}`);
    expect(r.out).toMatch(/wrote 20 bundles to s3:\/\/xapi\//);
    expect(r.out).toContain('files: 1 loaded, 0 skipped, 0 failed');
    expect(r.out).toMatch(/dry run, nothing written: would load 4 file\(s\) .*, skip 1 already loaded/);
    expect(r.out).toContain('files: 4 loaded, 1 skipped, 0 failed');
    expect(r.out).toContain('plan (dry run, nothing written): 6 files');
    expect(r.out).toMatch(/files: 6 loaded, 0 skipped, 0 failed/);
    expect(r.out).toMatch(/^healthy$/m);
    expect(r.out).toMatch(/│ 101 +│/);
    const payloads = fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.json'));
    expect(payloads.length).toBe(7);
    for (const p of payloads) expect(r.out).toContain(`ok examples/${p}`);
    expect(r.out).toContain('local S3 stopped');
    // The Firehose-style layout: 4 gzip'd files without extension, all loaded by a dated backfill.
    expect(r.out).toMatch(/wrote 4 bundles to s3:\/\/xapi\//);
    expect(r.out).toMatch(/files: 4 loaded, 0 skipped, 0 failed/);
    expect(r.out).toContain('key_layout=firehose/section={section_id}/{yyyy}/{mm}/{dd}/{hh}/*');
  });
});
