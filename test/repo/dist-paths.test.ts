import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/**
 * Scripts outside src/ that load compiled code (bin/, deploy/, scripts/, .ci/) name it by its dist/ path, which
 * no type checker follows. When src/local-s3/ moved to src/tools/local-s3/, deploy/test-bundle.mjs still named
 * dist/local-s3/local-s3.js and CI went red only at its last step. Each such path must be what
 * `tsc -p tsconfig.build.json` (rootDir src, outDir dist) makes of a file that exists in src/.
 */
const scripts = execFileSync(
  'git',
  ['ls-files', '-co', '--exclude-standard', 'bin', 'deploy', 'scripts', '.ci'],
  {
    cwd: ROOT,
    encoding: 'utf8',
  },
)
  .split('\n')
  .filter((f) => /\.(mjs|js|cjs|sh)$|^\.ci\/run$/.test(f) && fs.existsSync(path.join(ROOT, f)));

/** Every dist/….js a file names, with the line it is on. */
function distPaths(file: string): { dist: string; line: number }[] {
  const lines = fs.readFileSync(path.join(ROOT, file), 'utf8').split('\n');
  return lines.flatMap((text, i) =>
    [...text.matchAll(/\bdist\/([\w./-]+?)\.js\b/g)].map((m) => ({ dist: `dist/${m[1]}.js`, line: i + 1 })),
  );
}

describe('dist/ paths named by scripts', () => {
  it('the scripts name some compiled files (the pattern finds them)', () => {
    const all = scripts.flatMap((f) => distPaths(f).map((p) => p.dist));
    expect(all).toContain('dist/cli/main.js');
    expect(all).toContain('dist/tools/local-s3/local-s3.js');
  });

  it('every one is compiled from a source file that exists', () => {
    const missing = scripts.flatMap((file) =>
      distPaths(file)
        .filter(
          ({ dist }) =>
            !fs.existsSync(path.join(ROOT, 'src', dist.slice('dist/'.length).replace(/\.js$/, '.ts'))),
        )
        .map(({ dist, line }) => `${file}:${line} names ${dist}, but src/ has no matching .ts`),
    );
    expect(missing).toEqual([]);
  });
});
