import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/**
 * A JSON object that is not an xAPI statement (`{"name":"alice"}`) must be rejected with a reason that
 * says so (`not_a_statement`, from the parse views of migration 0002), and the CLI prints the counts by
 * reason. Before: `invalid_json`, the wrong reason, and no reasons printed.
 */
describe('a JSON object that is not a statement', () => {
  it('is rejected as not_a_statement, and the CLI prints that reason', async () => {
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
