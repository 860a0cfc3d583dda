import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, startCli } from '../helpers/cli.js';

/**
 * Two commands on one embedded data directory (chDB allows one process per directory): the second
 * waits with one quiet line naming the holder, then runs. Before, it printed 3–4 raw
 * "Code: 76 … Cannot lock file" lines from chDB first (one per attempt).
 */
function holdDataDir(dir: string) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      path.join(ROOT, 'node_modules/tsx/dist/loader.mjs'),
      path.join(ROOT, 'test/helpers/hold-data-dir.ts'),
      dir,
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const holding = new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d) => String(d).includes('HOLDING') && resolve());
    child.on('exit', (code) => reject(new Error(`holder exited ${code}`)));
  });
  const release = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return { pid: child.pid as number, holding, release };
}

describe('a busy embedded data directory', () => {
  it('the second command waits with one line naming the holder, then runs', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-lock-'));
    const holder = holdDataDir(dir);
    await holder.holding;
    const cli = startCli(['query', 'SELECT 41 + 1 AS answer', '--format', 'TSV'], {
      env: { XAPI_ETL_DATA_DIR: dir, XAPI_ETL_LOCK_WAIT_MS: '60000' },
    });
    try {
      await cli.waitFor(/waiting for/);
      await new Promise((r) => setTimeout(r, 1500)); // several attempts' worth of waiting
    } finally {
      await holder.release();
    }
    const r = await cli.done;
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout.trim()).toBe('42');
    // The directory is new, so the command also says it set the database up; nothing else.
    const lines = r.stderr
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith(`xapi-etl: set up the embedded database in ${dir}`));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^xapi-etl: waiting for ${dir}: in use by another process \\(pid ${holder.pid}: .*\\) \\(up to 60 s\\)$`,
      ),
    );
    expect(r.stderr).not.toMatch(/Code: 76|Cannot lock file/);
  });

  it('past XAPI_ETL_LOCK_WAIT_MS: ENGINE_BUSY naming the holder, exit 1, still no chDB noise', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-lock-'));
    const holder = holdDataDir(dir);
    await holder.holding;
    try {
      const r = await startCli(['query', 'SELECT 1'], {
        env: { XAPI_ETL_DATA_DIR: dir, XAPI_ETL_LOCK_WAIT_MS: '1000' },
      }).done;
      expect(r.status).toBe(1);
      expect(r.stderr).toContain(
        `ENGINE_BUSY: The embedded data directory ${dir} is in use by another process (pid ${holder.pid}`,
      );
      expect(r.stderr).not.toMatch(/Code: 76|Cannot lock file/);
    } finally {
      await holder.release();
    }
  });
});
