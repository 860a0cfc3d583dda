import { loadConfig } from '../config/env.js';
import { errorMessage, InputError, XapiEtlError } from '../errors.js';
import { createRuntime, type Runtime, type RuntimeOptions } from '../runtime.js';
import { sayProgress } from './format-migrate.js';

/**
 * Runs one CLI command body with a runtime built from the environment, always closing it. Errors become
 * one readable line on stderr (secrets redacted) and a non-zero exit code, never a stack trace, unless
 * XAPI_ETL_DEBUG is set.
 */
export async function withRuntime<T>(
  body: (rt: Runtime) => Promise<T>,
  options: RuntimeOptions = {},
): Promise<T | undefined> {
  let rt: Runtime | undefined;
  try {
    rt = await openRuntime(options);
    return await body(rt);
  } catch (error) {
    reportError(error);
    return undefined;
  } finally {
    await closeWithin(rt);
  }
}

/** The runtime from the environment; says so on stderr when it set up a new embedded data directory. */
export async function openRuntime(options: RuntimeOptions = {}): Promise<Runtime> {
  const rt = await createRuntime(loadConfig(), {
    onEngineWait: sayWaiting,
    onMigrateEvent: sayProgress,
    ...options,
  });
  if (rt.migrated && rt.engine.kind === 'embedded' && rt.config.engine.kind === 'embedded') {
    process.stderr.write(
      `xapi-etl: set up the embedded database in ${rt.config.engine.dataDir} ` +
        `(schema version ${rt.migrated.latestVersion}, ${rt.migrated.applied.length} migration(s) applied)\n`,
    );
  }
  return rt;
}

/** Closes the runtime, but never waits long on it: a query that cannot be stopped must not hold the CLI. */
export async function closeWithin(rt: Runtime | undefined, ms = 3_000): Promise<void> {
  if (!rt) return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    rt.close().catch(() => undefined),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, ms);
      timer.unref();
    }),
  ]);
  clearTimeout(timer);
}

/** The one line a command prints while another xapi-etl holds the embedded engine. */
export function sayWaiting(message: string): void {
  process.stderr.write(`xapi-etl: ${message}\n`);
}

export function reportError(error: unknown): void {
  const prefix = error instanceof XapiEtlError ? `${error.code}: ` : '';
  process.stderr.write(`xapi-etl: ${prefix}${errorMessage(error)}\n`);
  if (process.env.XAPI_ETL_DEBUG && error instanceof Error) process.stderr.write(`${error.stack}\n`);
  process.exitCode = error instanceof InputError ? 2 : 1;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}
