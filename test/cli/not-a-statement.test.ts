import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/**
 * A JSON object that is not an xAPI statement (`{"name":"alice"}`) must be rejected with a reason that
 * says so. Before: `invalid_json`, the wrong reason.
 *
 * INTEGRATOR: the reason code `not_a_statement` comes from the parse views (issue #15, migrations/
 * 0002_parse_views.sql), not from this branch (#12), which only prints the counts by reason. Until #15
 * is merged this test is expected to fail, hence `it.fails`: once #15 is in, this test FAILS (because
 * the assertion passes): then change `it.fails` to `it`.
 */
describe('a JSON object that is not a statement', () => {
  it.fails('is rejected as not_a_statement, and the CLI prints that reason', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-not-a-statement-'));
    const file = path.join(dir, 'people.jsonl');
    const statement = {
      actor: { mbox: 'mailto:bob@example.org' },
      verb: { id: 'http://adlnet.gov/expapi/verbs/experienced' },
      object: { id: 'http://example.org/a' },
    };
    fs.writeFileSync(file, `${JSON.stringify({ name: 'alice' })}\n${JSON.stringify(statement)}\n`);
    const r = await runCli(['process', file], { env: { XAPI_ETL_DATA_DIR: path.join(dir, 'data') } });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('statements: 1 (video 0), rejected: 1');
    expect(r.stdout).toContain('rejected by reason: not_a_statement 1');
  });
});
