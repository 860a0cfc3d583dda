import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliCommand, ROOT, runCli } from '../helpers/cli.js';

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

describe('what the command line parser accepts and refuses', () => {
  const nothingCreated = { env: { XAPI_ETL_DATA_DIR: '/nonexistent/must-not-be-created' } };
  const run = async (args: string[], input?: string) => {
    const r = await runCli(args, { ...nothingCreated, input });
    expect(fs.existsSync('/nonexistent/must-not-be-created')).toBe(false);
    return r;
  };

  it('a value flag takes the next word as its value, even one starting with - or --', async () => {
    // Both reach bulk's own check of the value: the word was the value, not an unknown option.
    for (const value of ['--weird-but-a-value', '-5']) {
      const r = await run(['bulk', '--time-budget', value]);
      expect(r.status, value).toBe(2);
      expect(r.stderr, value).toContain('--time-budget must be a positive number of seconds');
      expect(r.stderr, value).not.toContain('unknown option');
    }
  });

  it('--flag=value gives the value; an unknown --flag=value is named with it', async () => {
    const r = await run(['erase', '--actors-file=--nowhere']);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain("open '--nowhere'");
    const unknown = await run(['bulk', '--dry-run', '--strt=1']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('unknown option --strt=1 (did you mean --start?)');
  });

  it('`--` ends the options; `-` is a positional (stdin)', async () => {
    const afterDashes = await run(['invoke', '--', '--anything']);
    expect(afterDashes.status).toBe(2);
    expect(afterDashes.stderr).toContain('--anything: cannot read the payload file');
    const stdin = await run(['invoke', '-'], '{ not json');
    expect(stdin.status).toBe(2);
    expect(stdin.stderr).toContain('-: not valid JSON');
  });

  it('names an unknown flag without a suggestion when nothing is close; --no-<flag> is not a flag', async () => {
    for (const [flag, said] of [
      ['-x', 'unknown option -x\n'],
      ['--completely-different', 'unknown option --completely-different\n'],
      // citty read --no-dry-run as "not --dry-run"; no doc or script uses it, and commander refuses it.
      ['--no-dry-run', 'unknown option --no-dry-run (did you mean --dry-run?)\n'],
    ] as const) {
      const r = await run(['bulk', flag]);
      expect(r.status, flag).toBe(2);
      expect(r.stderr, flag).toContain(said);
      expect(r.stdout, flag).toBe('');
    }
  });

  it('a missing or an extra positional is a usage error', async () => {
    const missing = await run(['query']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain("xapi-etl query: missing required argument 'sql'");
    const extra = await run(['invoke', 'a.json', 'b.json']);
    expect(extra.status).toBe(2);
    expect(extra.stderr).toContain('too many arguments');
  });

  it('a reader that stops early is no error (`xapi-etl --help | head -c 1`)', () => {
    const cli = [process.execPath, ...cliCommand(['--help'])].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('bash', ['-c', `set -o pipefail; ${cli} | head -c 1`], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.stderr).not.toContain('EPIPE');
    expect(r.status).toBe(0);
  });
});
