import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Starts chDB behind a password-protected ClickHouse HTTP interface (engine-http-front-server.ts) in its
 * own process, on a fresh data directory: "a ClickHouse server" for the server path of our code.
 */
export interface EngineHttpFront {
  url: string;
  user: string;
  password: string;
  /** The engine process (the benchmark reads its peak memory). */
  pid: number;
  stop(): Promise<void>;
}

const ROOT = path.resolve(import.meta.dirname, '../..');

export async function startEngineHttpFront(
  options: { user?: string; password?: string; dataDir?: string; capture?: string } = {},
): Promise<EngineHttpFront> {
  const user = options.user ?? 'default';
  const password = options.password ?? 'front-pw-3a61c0de';
  // A data directory given by the caller (a migrated copy) stays the caller's to remove.
  const dataDir = options.dataDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-front-'));
  const child: ChildProcess = spawn(
    process.execPath,
    [
      '--import',
      path.join(ROOT, 'node_modules/tsx/dist/loader.mjs'),
      path.join(ROOT, 'test/helpers/engine-http-front-server.ts'),
      dataDir,
      user,
      password,
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Every request's method, URI and headers, a JSON line each (engine-http-front-server.ts).
      env: { ...process.env, ...(options.capture ? { FRONT_CAPTURE: options.capture } : {}) },
    },
  );
  let stderr = '';
  child.stderr?.on('data', (c) => {
    stderr += c;
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout?.on('data', (c) => {
      out += c;
      const m = /PORT (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.on('exit', (code) => reject(new Error(`engine front exited ${code}: ${stderr.slice(-2000)}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    user,
    password,
    pid: child.pid as number,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGKILL');
        await exited;
      }
      if (!options.dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
