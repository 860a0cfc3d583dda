import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/**
 * `npm install` on the oldest Node we support warns about no package. Before: vega-lite 6.5 declared
 * node >=22 and every install on Node 20 printed EBADENGINE.
 */
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));

type Version = [number, number, number];

function parse(v: string): Version {
  const [a = 0, b = 0, c = 0] = v
    .replace(/^v/, '')
    .split('.')
    .map((x) => (x === '*' || x === 'x' ? 0 : Number(x)));
  return [a, b, c];
}

function compare(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
}

/** Enough of npm's range syntax for engines fields: `||`, `>=`, `>`, `<`, `<=`, `^`, `X.*`, `*`. */
function satisfies(version: string, range: string): boolean {
  const v = parse(version);
  return range.split('||').some((alternative) => {
    const parts = alternative
      .trim()
      .replace(/(>=|<=|>|<|\^)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean);
    return parts.every((part) => {
      if (part === '*' || part === 'x') return true;
      const m = /^(>=|<=|>|<|\^)?(.+)$/.exec(part) as RegExpExecArray;
      const [, op = '', rest = ''] = m;
      const target = parse(rest);
      const c = compare(v, target);
      if (op === '>=') return c >= 0;
      if (op === '>') return c > 0;
      if (op === '<=') return c <= 0;
      if (op === '<') return c < 0;
      if (op === '^') return c >= 0 && v[0] === target[0];
      if (/\*|x/.test(rest)) return v[0] === target[0]; // X.* or X.x
      return c === 0;
    });
  });
}

describe('engines', () => {
  const oldest = (pkg.engines.node as string).replace(/^>=\s*/, '');

  it('the range reader agrees with npm on the forms the lock file uses', () => {
    expect(satisfies('20.19.0', '^20.19.0 || >=22.12.0')).toBe(true);
    expect(satisfies('20.18.0', '^20.19.0 || >=22.12.0')).toBe(false);
    expect(satisfies('20.19.0', '>=22')).toBe(false);
    expect(satisfies('20.19.0', '6.* || 8.* || >= 10.*')).toBe(true);
    expect(satisfies('20.19.0', '>=6 <7 || >=8')).toBe(true);
  });

  it(`every installed package supports the oldest Node we declare (${pkg.engines.node})`, () => {
    const unsupported = Object.entries(lock.packages as Record<string, { engines?: { node?: string } }>)
      .filter(([name, p]) => name && p.engines?.node && !satisfies(oldest, p.engines.node))
      .map(([name, p]) => `${name}: node ${p.engines?.node}`);
    expect(unsupported).toEqual([]);
  });
});
