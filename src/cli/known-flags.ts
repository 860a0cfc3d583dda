import type { ArgsDef, CittyPlugin, CommandDef } from 'citty';
import { closest } from './did-you-mean.js';

/**
 * citty ignores flags it does not know: `bulk --strat 2024-01-01` would plan everything from the
 * beginning. Every command refuses them instead, naming the flag and the closest one it knows.
 */
export interface UnknownFlag {
  flag: string;
  suggestion?: string;
}

export function findUnknownFlag(rawArgs: string[], args: ArgsDef): UnknownFlag | undefined {
  const flags = new Map<string, 'boolean' | 'value'>();
  for (const [name, def] of Object.entries(args)) {
    if (def.type === 'positional') continue;
    const kind = def.type === 'boolean' ? 'boolean' : 'value';
    const aliases = 'alias' in def && def.alias ? [def.alias].flat() : [];
    for (const n of [name, ...aliases]) flags.set(n, kind);
  }
  flags.set('help', 'boolean');
  flags.set('h', 'boolean');
  for (let i = 0; i < rawArgs.length; i++) {
    const arg = rawArgs[i] as string;
    if (arg === '--') break; // the rest is positional
    if (!arg.startsWith('-') || arg === '-' || /^-\d/.test(arg)) continue; // a value, stdin, a number
    const [body = '', value] = splitOnce(arg.replace(/^--?/, ''), '=');
    const negated = body.startsWith('no-') && flags.get(body.slice(3)) === 'boolean';
    const kind = negated ? 'boolean' : flags.get(body);
    if (!kind) {
      const known = [...flags.keys()].filter((n) => n.length > 1 && n !== 'help');
      const near = closest(body, known);
      return { flag: `--${body}`, ...(near ? { suggestion: `--${near}` } : {}) };
    }
    if (kind === 'value' && value === undefined) i++; // `--start 2024-01-01`: skip the value
  }
  return undefined;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at === -1 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

/** The plugin every subcommand gets (see main.ts): an unknown flag is a usage error, exit code 2. */
export function knownFlagsOnly(commandName: string): CittyPlugin {
  return {
    name: 'known-flags-only',
    setup({ rawArgs, cmd }) {
      const unknown = findUnknownFlag(rawArgs, (cmd as CommandDef).args as ArgsDef);
      if (!unknown) return;
      process.stderr.write(
        `xapi-etl ${commandName}: unknown option ${unknown.flag}` +
          `${unknown.suggestion ? ` (did you mean ${unknown.suggestion}?)` : ''}\n` +
          `Run \`xapi-etl ${commandName} --help\` for its options.\n`,
      );
      process.exit(2);
    },
  };
}
