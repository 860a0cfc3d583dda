import fs from 'node:fs';
import { defineCommand } from 'citty';
import { InputError } from '../../errors.js';
import { printJson, reportError } from '../run-command.js';
import { runHandlerLocally } from '../run-handler.js';

export default defineCommand({
  meta: {
    name: 'invoke',
    description:
      "Run the Lambda handler locally on a payload (event, bulk or health; see examples/). Prints the handler's JSON result; exit code 0 only when success is true.",
  },
  args: {
    payload: { type: 'positional', description: 'PAYLOAD.json, or - to read it from stdin', required: true },
    verbose: { type: 'boolean', description: "Show the handler's structured logs (on stderr)" },
  },
  async run({ args }) {
    let payload: unknown;
    try {
      const text = args.payload === '-' ? fs.readFileSync(0, 'utf8') : readPayloadFile(args.payload);
      payload = JSON.parse(text);
    } catch (error) {
      reportError(
        error instanceof InputError
          ? error
          : new InputError(`${args.payload}: not valid JSON (${(error as Error).message})`),
      );
      return;
    }
    const result = await runHandlerLocally(payload, { verbose: args.verbose });
    if (result) printJson(result);
  },
});

function readPayloadFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    throw new InputError(`${file}: cannot read the payload file`);
  }
}
