import fs from 'node:fs';
import path from 'node:path';

/**
 * Who holds an embedded data directory. ClickHouse (chDB) locks `<dir>/status` and writes its PID there;
 * the file stays after the process ends. Asking here first, instead of trying to open the directory,
 * keeps chDB from printing a "Cannot lock file" line on stderr for every attempt.
 */
export interface LockHolder {
  pid: number;
  /** The holder's command line, when the system tells (Linux /proc). */
  command?: string;
}

export function lockHolder(dataDir: string): LockHolder | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dataDir, 'status'), 'utf8');
  } catch {
    return undefined; // a new directory
  }
  const pid = Number(/^PID:\s*(\d+)/m.exec(text)?.[1]);
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid || !isAlive(pid)) return undefined;
  return { pid, ...commandOf(pid) };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // alive, someone else's
  }
}

function commandOf(pid: number): { command?: string } {
  try {
    const raw = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
    // `node …/xapi-etl.js demo` → `xapi-etl demo`
    const bin = raw.findIndex((a) => /xapi-etl(\.js)?$|cli\/main\.[jt]s$/.test(a));
    const shown = bin === -1 ? raw.join(' ') : `xapi-etl ${raw.slice(bin + 1).join(' ')}`;
    return shown ? { command: shown.length > 80 ? `${shown.slice(0, 77)}…` : shown } : {};
  } catch {
    return {};
  }
}
