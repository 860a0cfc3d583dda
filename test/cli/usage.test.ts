import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { findUnknownFlag } from '../../src/cli/known-flags.js';
import { ROOT, runCli } from '../helpers/cli.js';

/**
 * What a mistyped command line does: nothing, with a message naming the mistake and the closest thing
 * the CLI knows. Before: `bulk --strat 2024-01-01` planned "the beginning … today", and would have loaded
 * everything without --dry-run; `query … --formt CSV` and `process … --dryrun` ignored the flag.
 */
const COMMANDS = fs
  .readdirSync(path.join(ROOT, 'src/cli/commands'))
  .map((f) => f.replace(/\.ts$/, ''))
  .sort();

describe('CLI usage: mistakes are refused, never ignored', () => {
  it.each([
    [['bulk', '--strat', '2024-01-01', '--dry-run'], '--strat', '--start'],
    [['query', 'SELECT 1', '--formt', 'CSV'], '--formt', '--format'],
    [['process', './nowhere/', '--dryrun'], '--dryrun', '--dry-run'],
    [['health', '--jsn'], '--jsn', '--json'],
    [['invoke', '-', '--verbos'], '--verbos', '--verbose'],
  ])('%j: exit 2, names %s and suggests %s, does nothing', async (args, flag, suggestion) => {
    const r = await runCli(args, { env: { XAPI_ETL_DATA_DIR: '/nonexistent/must-not-be-created' } });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`unknown option ${flag} (did you mean ${suggestion}?)`);
    expect(r.stdout).toBe('');
    expect(fs.existsSync('/nonexistent/must-not-be-created')).toBe(false);
  });

  it('an unknown command is refused with the closest one', async () => {
    const r = await runCli(['procss', 'x']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('unknown command "procss" (did you mean process?)');
  });

  it('--version prints the package version', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    const r = await runCli(['--version']);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(version);
  });

  it('--help of every command states each default once', async () => {
    expect(COMMANDS).toContain('bulk');
    for (const command of COMMANDS) {
      const r = await runCli([command, '--help'], { env: { NO_COLOR: '1' } });
      expect(r.status, command).toBe(0);
      for (const line of r.stdout.split('\n')) {
        expect(line.match(/default/gi)?.length ?? 0, `${command}: ${line}`).toBeLessThanOrEqual(1);
      }
    }
  });
});

describe('findUnknownFlag', () => {
  const args = {
    target: { type: 'positional' as const, description: '' },
    start: { type: 'string' as const, description: '' },
    'dry-run': { type: 'boolean' as const, description: '' },
  };
  it('accepts values, negations, `--` and stdin; names the first unknown flag', () => {
    expect(findUnknownFlag(['-', '--start', '--weird-but-a-value', '--no-dry-run'], args)).toBeUndefined();
    expect(findUnknownFlag(['--start=2024-01-01', '--', '--anything'], args)).toBeUndefined();
    expect(findUnknownFlag(['--dry-run', '--strt=1'], args)).toEqual({
      flag: '--strt',
      suggestion: '--start',
    });
    expect(findUnknownFlag(['-x'], args)).toEqual({ flag: '--x' });
    expect(findUnknownFlag(['--completely-different'], args)).toEqual({ flag: '--completely-different' });
  });
});
