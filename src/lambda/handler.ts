import type { Context } from 'aws-lambda';
import { type AppConfig, loadConfig } from '../config/env.js';
import { passwordChanged } from '../engine/password.js';
import { errorMessage } from '../errors.js';
import { createRuntime, type Runtime } from '../runtime.js';
import { createHandler, type HandlerResult } from './create-handler.js';
import { lambdaTelemetry } from './telemetry.js';

/**
 * The Lambda entry point (deploy/ bundles exactly this file). Configuration is validated once, at cold
 * start; the ClickHouse client and S3 client are created on first use and reused while the container
 * lives. chDB is never imported here: the engine factory loads it only when CLICKHOUSE_HOST is unset,
 * which the configuration refuses inside Lambda.
 */
const coldStart: { config: AppConfig } | { error: unknown } = (() => {
  try {
    return { config: loadConfig() };
  } catch (error) {
    lambdaTelemetry().logger.error('invalid configuration: every invocation will fail until it is fixed', {
      error: errorMessage(error),
    });
    return { error };
  }
})();

let runtime: Promise<Runtime> | undefined;

function containerConfig(): AppConfig {
  if ('error' in coldStart) throw coldStart.error;
  return coldStart.config;
}

async function containerRuntime(): Promise<Runtime> {
  const config = containerConfig();
  // A rotated password (read again every few minutes): the client is built again with the new one.
  if (runtime && config.engine.kind === 'server' && (await passwordChanged(config.engine)))
    await dropRuntime();
  runtime ??= (async () => createRuntime(config))().catch((error) => {
    runtime = undefined; // a failed connection is retried by the next invocation
    throw error;
  });
  return runtime;
}

async function dropRuntime(): Promise<void> {
  const old = runtime;
  runtime = undefined;
  await old?.then((rt) => rt.close()).catch(() => undefined);
}

export const handler: (event: unknown, context: Context) => Promise<HandlerResult> = createHandler({
  runtime: containerRuntime,
  renewRuntime: dropRuntime,
  config: containerConfig,
  telemetry: lambdaTelemetry(),
});
