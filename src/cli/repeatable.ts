/**
 * The parser of an option given several times, commander's collect idiom: `--section 1 --section 2`
 * gives ['1', '2'] (no default, so the help shows none; undefined when the option is absent).
 */
export function repeatable(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}
