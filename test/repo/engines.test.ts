import fs from 'node:fs';
import path from 'node:path';
import semver from 'semver';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/cli.js';

/**
 * `npm install` on the oldest Node we support warns about no package. Before: vega-lite 6.5 declared
 * node >=22 and every install on Node 20 printed EBADENGINE. Ranges are read by `semver`, npm's own reader.
 */
const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
const lock = JSON.parse(fs.readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8'));

describe('engines', () => {
  const oldest = semver.minVersion(pkg.engines.node)?.version as string;

  it(`every installed package supports the oldest Node we declare (${pkg.engines.node})`, () => {
    const unsupported = Object.entries(lock.packages as Record<string, { engines?: { node?: string } }>)
      .filter(([name, p]) => name && p.engines?.node && !semver.satisfies(oldest, p.engines.node))
      .map(([name, p]) => `${name}: node ${p.engines?.node}`);
    expect(unsupported).toEqual([]);
  });
});
