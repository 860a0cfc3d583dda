import fs from 'node:fs';
import type { Command } from 'commander';
import { InputError } from '../../errors.js';
import { printJson, reportError } from '../run-command.js';
import { runHandlerLocally } from '../run-handler.js';

export default (command: Command): Command =>
  command
    .description(
      "Run the Lambda handler locally on a payload (event, bulk or health; see examples/). Prints the handler's JSON result; exit code 0 only when success is true.",
    )
    .argument('<payload>', 'PAYLOAD.json, or - to read it from stdin')
    .option('--verbose', "Show the handler's structured logs (on stderr)")
    .action(invoke);

async function invoke(file: string, args: { verbose?: boolean }): Promise<void> {
  let payload: unknown;
  try {
    const text = file === '-' ? fs.readFileSync(0, 'utf8') : readPayloadFile(file);
    payload = JSON.parse(text);
  } catch (error) {
    reportError(
      error instanceof InputError
        ? error
        : new InputError(`${file}: not valid JSON (${(error as Error).message})`),
    );
    return;
  }
  const result = await runHandlerLocally(payload, { verbose: args.verbose });
  if (result) printJson(result);
}

function readPayloadFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    throw new InputError(`${file}: cannot read the payload file`);
  }
}
