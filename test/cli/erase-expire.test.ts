import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';

/** `erase`, `expire` and `cleanup` as users run them: local files in an embedded data directory. */
describe('xapi-etl erase and expire', () => {
  it('erases a learner after a dry run, drops old months after a dry run, and refuses bad input', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-day2-'));
    const files = path.join(dir, 'files/section/d2/quiz');
    fs.mkdirSync(files, { recursive: true });
    const line = (who: string, at: string) =>
      JSON.stringify({
        actor: { mbox: `mailto:${who}@example.org` },
        verb: { id: 'http://x/answered' },
        object: { id: 'http://x/q' },
        timestamp: at,
      });
    fs.writeFileSync(
      path.join(files, '2020-01-01T00-00-00.000Z_bundle.jsonl'),
      [
        line('ann', '2020-01-05T00:00:00Z'),
        line('bob', '2020-01-06T00:00:00Z'),
        line('ann', '2026-11-30T00:00:00Z'),
      ].join('\n'),
    );
    const env = { XAPI_ETL_DATA_DIR: path.join(dir, 'data') };
    expect((await runCli(['process', path.join(dir, 'files')], { env })).status).toBe(0);
    const count = async (who: string) =>
      (
        await runCli(
          [
            'query',
            `SELECT count() FROM statements FINAL WHERE actor_key = 'mbox::mailto:${who}@example.org'`,
            '--format',
            'TSV',
          ],
          { env },
        )
      ).stdout.trim();

    const dry = await runCli(['erase', '--actor', 'mailto:Ann@Example.org', '--dry-run'], { env });
    expect(dry.status, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/would remove 2 row\(s\) from statements/);
    expect(await count('ann')).toBe('2');
    const erased = await runCli(['erase', '--actor', 'mailto:Ann@Example.org'], { env });
    expect(erased.stdout).toMatch(/removed 2 row\(s\) from statements[\s\S]*erasure .* recorded/);
    expect(await count('ann')).toBe('0');
    expect(await count('bob')).toBe('1');

    const plan = await runCli(['expire', '--days', '365', '--dry-run'], { env });
    expect(plan.status, plan.stderr).toBe(0);
    expect(plan.stdout).toMatch(/would drop 1 month\(s\) of statements \(1 rows\): 202001/);
    const expired = await runCli(['expire', '--days', '365', '--json'], { env });
    expect(JSON.parse(expired.stdout)).toMatchObject({
      dry_run: false,
      partitions: { statements: ['202001'] },
    });
    expect(await count('bob')).toBe('0');

    const bad = await runCli(['erase', '--actor', 'ann@example.org'], { env });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toMatch(/INPUT_INVALID: an actor is `mailto:…` or an Agent/);
    const none = await runCli(['expire'], { env });
    expect(none.status).toBe(2);
    expect(none.stderr).toMatch(/no retention: set XAPI_RETENTION_DAYS or pass --days N/);

    // cleanup: a forced reload leaves its earlier load superseded; a dry run counts it, cleanup deletes it.
    expect((await runCli(['process', path.join(dir, 'files'), '--force'], { env })).status).toBe(0);
    const waiting = await runCli(['cleanup', '--dry-run'], { env });
    expect(waiting.status, waiting.stderr).toBe(0);
    // (Nothing of the earlier load is left: its lines were erased or expired above.)
    expect(waiting.stdout).toMatch(/^1 superseded load\(s\) waiting$/m);
    const cleaned = await runCli(['cleanup', '--json'], { env });
    expect(JSON.parse(cleaned.stdout)).toMatchObject({ dry_run: false, loads: 1, rows: {} });
    expect((await runCli(['cleanup'], { env })).stdout).toMatch(/nothing to clean up/);
    const badBatch = await runCli(['cleanup', '--batch-size', '0'], { env });
    expect(badBatch.status).toBe(2);
    expect(badBatch.stderr).toMatch(/--batch-size is a whole number from 1 to 10000/);
  });
});
