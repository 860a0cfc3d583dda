import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/**
 * Every package the code imports is declared in package.json, in the right group: what src/ imports at run
 * time is a dependency (or an optional one, loaded through src/optional-package.ts); tests, benchmarks and
 * scripts may use development dependencies. Before: a test imported @aws-cdk/service-spec-types, which only
 * arrived as a dependency of another package, and chdb and s3rver were runtime dependencies the Lambda and a
 * server install never load.
 */
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const runtime = new Set(Object.keys(pkg.dependencies ?? {}));
const optional = new Set(Object.keys(pkg.optionalDependencies ?? {}));
const dev = new Set(Object.keys(pkg.devDependencies ?? {}));
const builtins = new Set(builtinModules);

const tracked = (...dirs: string[]) =>
  execFileSync('git', ['ls-files', '-co', '--exclude-standard', ...dirs], { cwd: ROOT, encoding: 'utf8' })
    .split('\n')
    .filter(
      (f) =>
        /\.(ts|mts|mjs|js)$/.test(f) && !f.startsWith('test/fixtures/') && fs.existsSync(path.join(ROOT, f)),
    );

/** The packages a file imports (static, dynamic and side-effect imports), and of which kind. */
function imports(file: string): { pkg: string; typeOnly: boolean; dynamic: boolean }[] {
  const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const out: { pkg: string; typeOnly: boolean; dynamic: boolean }[] = [];
  for (const m of text.matchAll(
    /(import\s+type\s[^'"]*?from\s*|from\s*|import\s*\(\s*|import\s+)(['"])([^'"]+)\2/g,
  )) {
    const spec = m[3] as string;
    if (spec.startsWith('.') || spec.startsWith('node:') || spec.startsWith('/')) continue;
    const name = spec.startsWith('@')
      ? spec.split('/').slice(0, 2).join('/')
      : (spec.split('/')[0] as string);
    if (builtins.has(name)) continue;
    const how = m[1] as string;
    out.push({ pkg: name, typeOnly: how.startsWith('import type'), dynamic: /^import\s*\(\s*$/.test(how) });
  }
  return out;
}

describe('declared imports', () => {
  it('src/ imports only dependencies, optional ones only through importOptional', () => {
    const wrong: string[] = [];
    for (const file of tracked('src')) {
      for (const { pkg: name, typeOnly, dynamic } of imports(file)) {
        if (runtime.has(name)) continue;
        // `import type` leaves nothing at run time; 'aws-lambda' is @types/aws-lambda's module.
        if (typeOnly && (dev.has(name) || dev.has(`@types/${name}`) || optional.has(name))) continue;
        // An optional package only by a dynamic import inside importOptional naming it: a static import would
        // fail at start-up wherever the package is left out.
        if (optional.has(name) && dynamic && file !== 'src/types/s3rver.d.ts') {
          const text = fs.readFileSync(path.join(ROOT, file), 'utf8');
          if (new RegExp(`importOptional\\(\\s*'${name}'`).test(text)) continue;
        }
        if (file === 'src/types/s3rver.d.ts') continue; // the declaration of the module itself
        wrong.push(`${file}: ${name}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('tests, benchmarks and scripts import only declared packages', () => {
    const undeclared = tracked(
      'test',
      'bench',
      'scripts',
      'vitest.config.ts',
      'vitest.load.config.ts',
    ).flatMap((file) =>
      imports(file)
        .filter(({ pkg: name }) => !runtime.has(name) && !optional.has(name) && !dev.has(name))
        .map(({ pkg: name }) => `${file}: ${name}`),
    );
    expect([...new Set(undeclared)]).toEqual([]);
  });
});
