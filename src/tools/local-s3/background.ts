import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { InputError, XapiEtlError } from '../../errors.js';
import { desAvailable } from './legacy-des.js';

/**
 * `xapi-etl local-s3 --background`: the same command, detached, so that a README's commands can be
 * pasted one after the other (no `&`, no race with the next line): returns once the server accepts
 * connections. Its PID is kept beside the objects for `--stop`.
 */
export function pidFile(directory: string): string {
  return path.join(directory, 'local-s3.pid');
}

/** Written by the server once it listens and its buckets exist: the background start waits for it. */
export function readyFile(directory: string): string {
  return path.join(directory, 'local-s3.ready');
}

export async function startInBackground(argv: string[], directory: string, port: number): Promise<number> {
  if (await listening(port)) {
    throw new InputError(
      `port ${port} is in use (a local S3 already running? \`xapi-etl local-s3 --stop\`), or pass --port`,
    );
  }
  fs.mkdirSync(directory, { recursive: true });
  fs.rmSync(readyFile(directory), { force: true });
  const child = spawn(
    process.execPath,
    [...(desAvailable() ? [] : ['--openssl-legacy-provider']), ...process.execArgv, ...argv],
    { detached: true, stdio: 'ignore', env: process.env },
  );
  let exited: number | null | undefined;
  child.on('exit', (code) => {
    exited = code;
  });
  const deadline = Date.now() + 20_000;
  while (!fs.existsSync(readyFile(directory))) {
    if (exited !== undefined || Date.now() > deadline) {
      if (exited === undefined) child.kill();
      throw new XapiEtlError(
        'LOCAL_S3_FAILED',
        `the local S3 did not start${exited !== undefined ? ` (exit code ${exited})` : ''}; run \`xapi-etl local-s3\` without --background to see why`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  fs.writeFileSync(pidFile(directory), `${child.pid}\n`);
  child.unref();
  return child.pid as number;
}

/** Stops a local S3 started with --background in this directory; false when there was none. */
export async function stopBackground(directory: string): Promise<boolean> {
  const file = pidFile(directory);
  let pid: number;
  try {
    pid = Number(fs.readFileSync(file, 'utf8').trim());
  } catch {
    return false;
  }
  fs.rmSync(file, { force: true });
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return false; // already gone
  }
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline && alive(pid)) await new Promise((resolve) => setTimeout(resolve, 100));
  return true;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}
