import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** A fresh temporary directory under the OS temp folder, removed by the caller. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `xapi-etl-bench-${prefix}-`));
}

/**
 * Runs a script in a fresh Node process (TypeScript through tsx unless it is .mjs) and returns the JSON
 * after its `RESULT ` line. stderr is kept for the error message.
 */
export async function runChild<T>(
  script: string,
  args: string[],
  env: Record<string, string>,
  options: { typescript?: boolean; timeoutMs?: number } = {},
): Promise<T> {
  const loader = options.typescript === false ? [] : ['--import', 'tsx', '--expose-gc'];
  const nodeArgs = [...loader, script, ...args];
  const child = spawn(process.execPath, nodeArgs, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => {
    stdout += c;
  });
  child.stderr.on('data', (c) => {
    stderr += c;
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 15 * 60_000);
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
  if (code !== 0 || !line) {
    throw new Error(
      `${path.basename(script)} ${args.join(' ').slice(0, 200)} exited ${code}:\n${clip(stderr)}`,
    );
  }
  return JSON.parse(line.slice('RESULT '.length)) as T;
}

/** The start (the error) and the end (the stack) of a child's stderr, minified bundle lines cut short. */
function clip(stderr: string): string {
  const lines = stderr.split('\n').map((l) => (l.length > 400 ? `${l.slice(0, 400)}…` : l));
  const text = lines.join('\n');
  return text.length > 6000 ? `${text.slice(0, 3000)}\n…\n${text.slice(-3000)}` : text;
}
