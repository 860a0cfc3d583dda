import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import path from 'node:path';

/**
 * The xapi-etl CLI as users run it, in a child process, but from the current sources (through tsx),
 * never from a dist/ that may be stale. Async on purpose: an s3rver hosted by the test process must keep
 * answering while the CLI runs.
 */
export const ROOT = path.resolve(import.meta.dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/tsx/dist/loader.mjs');
const MAIN = path.join(ROOT, 'src/cli/main.ts');

export interface CliResult {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

export interface CliProcess {
  child: ChildProcessWithoutNullStreams;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout or stderr (so far, or later) matches. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<CliResult>;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  cwd?: string;
  /** Extra Node flags, e.g. --openssl-legacy-provider. */
  nodeArgs?: string[];
}

/** `node --import tsx src/cli/main.ts …args`: the command line `npx xapi-etl …args` runs. */
export function cliCommand(args: string[]): string[] {
  return ['--import', TSX, MAIN, ...args];
}

export function startCli(args: string[], options: CliOptions = {}): CliProcess {
  const started = Date.now();
  const child = spawn(process.execPath, [...(options.nodeArgs ?? []), ...cliCommand(args)], {
    cwd: options.cwd ?? ROOT,
    env: { ...process.env, ...options.env },
  });
  let stdout = '';
  let stderr = '';
  let closed = false;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout.on('data', (d) => {
    stdout += d;
    wake();
  });
  child.stderr.on('data', (d) => {
    stderr += d;
    wake();
  });
  child.stdin.end(options.input ?? '');
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status, signal) => {
      closed = true;
      resolve({ status, signal, stdout, stderr, ms: Date.now() - started });
      wake();
    });
  });
  return {
    child,
    stdout: () => stdout,
    stderr: () => stderr,
    done,
    waitFor(pattern, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${pattern}\nstdout: ${stdout}\nstderr: ${stderr}`));
        }, timeoutMs);
        const check = () => {
          if (pattern.test(stdout) || pattern.test(stderr)) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve();
          } else if (closed) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(new Error(`the CLI ended before ${pattern}\nstdout: ${stdout}\nstderr: ${stderr}`));
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}
