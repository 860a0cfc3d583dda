/** Values of a flag given several times (`--x a --x b` or `--x=a`); citty keeps only the last one. */
export function collectRepeated(rawArgs: string[], flag: string): string[] {
  const out: string[] = [];
  rawArgs.forEach((arg, i) => {
    if (arg === flag && rawArgs[i + 1] !== undefined) out.push(rawArgs[i + 1] as string);
    else if (arg.startsWith(`${flag}=`)) out.push(arg.slice(flag.length + 1));
  });
  return out;
}
