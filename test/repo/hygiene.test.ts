import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/**
 * A fresh clone, with nothing beside it, must lint and test. Before: the tests read a team workspace
 * outside the repository (absent from users' clones), and `npm run demo` then `npm test` failed because
 * biome linted the report.html the demo had just written (160 errors).
 */
const SKIP = new Set(['node_modules', '.git', 'dist', 'build', '.xapi-etl', 'coverage', 'tmp']);

function files(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (SKIP.has(e.name)) return [];
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : [p];
  });
}

describe('repository hygiene', () => {
  it('nothing in the repository refers to a folder outside it', () => {
    const outside = ['..', 'shared'].join('/'); // spelled so, this file does not name it either
    const offenders = files(ROOT).filter((f) => {
      const text = fs.readFileSync(f);
      return text.includes(outside);
    });
    expect(offenders.map((f) => path.relative(ROOT, f))).toEqual([]);
  });

  it('biome, with this repository configuration, leaves generated output alone', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-lint-'));
    execFileSync('git', ['init', '-q'], { cwd: dir });
    const config = fs.readFileSync(path.join(ROOT, 'biome.json'), 'utf8');
    // Without the $schema line, which points into this repository's node_modules.
    fs.writeFileSync(path.join(dir, 'biome.json'), config.replace(/^\s*"\$schema":.*\n/m, ''));
    fs.copyFileSync(path.join(ROOT, '.gitignore'), path.join(dir, '.gitignore'));
    fs.writeFileSync(path.join(dir, 'ok.ts'), 'export const ok = 1;\n');
    // What `npm run demo` and the CLI write: report.html, the data directory, a local S3's objects.
    const html = '<html><body><script>var a = 1; if (a == 1) { console.log(a) }</script></body></html>\n';
    fs.writeFileSync(path.join(dir, 'report.html'), html);
    fs.mkdirSync(path.join(dir, '.xapi-etl/local-s3/xapi'), { recursive: true });
    fs.writeFileSync(path.join(dir, '.xapi-etl/local-s3/xapi/meta.json'), '{"a": 1,}\n');
    const biome = path.join(ROOT, 'node_modules/.bin/biome');
    const clean = spawnSync(biome, ['check', '.'], { cwd: dir, encoding: 'utf8' });
    expect(clean.status, clean.stdout + clean.stderr).toBe(0);
    // The same HTML anywhere else is linted (so the check above means something).
    fs.writeFileSync(path.join(dir, 'page.html'), html);
    const dirty = spawnSync(biome, ['check', '.'], { cwd: dir, encoding: 'utf8' });
    expect(dirty.status).toBe(1);
    expect(dirty.stdout + dirty.stderr).toContain('page.html');
  });
});
