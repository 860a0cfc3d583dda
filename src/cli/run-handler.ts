import { loadConfig } from '../config/env.js';
import { createHandler, type HandlerDeps, type HandlerResult } from '../lambda/create-handler.js';
import { localContext } from '../lambda/local-context.js';
import { localTelemetry } from '../lambda/local-telemetry.js';
import type { Runtime } from '../runtime-types.js';
import { closeWithin, openRuntime, reportError } from './run-command.js';

/**
 * Runs the Lambda handler in this process, on the configured engine: `invoke`, `bulk` and `health` use
 * exactly the code the Lambda runs. A continuation the handler hands over runs here too, in-process,
 * unless `followContinuations` is false (then the result carries the payload to resume with).
 */
export interface LocalRunOptions {
  verbose?: boolean;
  followContinuations?: boolean;
  budget?: HandlerDeps['budget'];
  onBulkProgress?: HandlerDeps['onBulkProgress'];
  signal?: HandlerDeps['signal'];
  /** Run on this runtime (the caller closes it); by default one is opened from the environment. */
  runtime?: Runtime;
}

export async function runHandlerLocally(
  payload: unknown,
  options: LocalRunOptions = {},
): Promise<HandlerResult | undefined> {
  let runtime: Runtime | undefined = options.runtime;
  try {
    const config = loadConfig();
    const queue: unknown[] = [payload];
    const handler = createHandler({
      runtime: async () => {
        runtime ??= await openRuntime();
        return runtime;
      },
      config: () => config,
      // stdout carries the result: the handler's log lines go to stderr (errors only unless --verbose),
      // and its metrics (for CloudWatch) nowhere.
      telemetry: localTelemetry({ level: options.verbose ? 'info' : 'error' }),
      invoker: async (next) => {
        if (options.followContinuations !== false) queue.push(next);
      },
      budget: options.budget,
      onBulkProgress: options.onBulkProgress,
      signal: options.signal,
    });
    let result: HandlerResult | undefined;
    while (queue.length > 0) result = await handler(queue.shift(), localContext());
    // Not followed here: the caller resumes it (`bulk` keeps it), nothing was invoked.
    if (result && options.followContinuations === false) delete result.continuation_invoked;
    if (result && !result.success) process.exitCode = 1;
    return result;
  } catch (error) {
    reportError(error);
    return undefined;
  } finally {
    if (!options.runtime) await closeWithin(runtime);
  }
}
