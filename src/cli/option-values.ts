import { InvalidArgumentError, Option } from 'commander';

/**
 * Options more than one verb has, and option values that are numbers, parsed by commander as it reads the
 * command line: a bad one is a usage error (exit 2) before anything runs, in the words of the check (main.ts
 * words commander's message).
 */
export function wholeNumber(flag: string, min: number, max?: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (/^\d+$/.test(value) && n >= min && (max === undefined || n <= max)) return n;
    throw new InvalidArgumentError(
      max === undefined
        ? `${flag} is a whole number of at least ${min}`
        : `${flag} is a whole number from ${min} to ${max}`,
    );
  };
}

export function positiveNumber(flag: string, unit: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (value.trim() !== '' && Number.isFinite(n) && n > 0) return n;
    throw new InvalidArgumentError(`${flag} must be a positive number of ${unit}`);
  };
}

/** Where an HTML report goes (`demo --report`, `report --out`): one default for both. */
export function reportFileOption(flag: string): Option {
  return new Option(
    `${flag} <file>`,
    'Where to write the HTML report (self-contained, no network needed)',
  ).default('report.html');
}
