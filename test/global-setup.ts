import { execFileSync } from 'node:child_process';
import path from 'node:path';

/**
 * Tests write into temporary or git-ignored folders only: the work tree (docs/, the repository root…)
 * is the same after `npm test` as before. Checked with git when there is one (a clone has it).
 */
const ROOT = path.resolve(import.meta.dirname, '..');

function changedFiles(): Set<string> | undefined {
  try {
    const out = execFileSync('git', ['status', '--porcelain', '--untracked-files=all'], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    return new Set(out.split('\n').filter(Boolean));
  } catch {
    return undefined; // not a git work tree: nothing to compare
  }
}

export function setup() {
  const before = changedFiles();
  return () => {
    const after = changedFiles();
    if (!before || !after) return;
    const added = [...after].filter((f) => !before.has(f));
    if (added.length > 0) {
      // Thrown from a teardown, vitest only logs it: fail the run by the exit code as well.
      process.exitCode = 1;
      throw new Error(
        `the tests changed the work tree (write into os.tmpdir() or a git-ignored folder instead):\n  ${added.join('\n  ')}`,
      );
    }
  };
}
