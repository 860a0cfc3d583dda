import { loadConfig } from '../config/env.js';
import { errorMessage, InputError, XapiEtlError } from '../errors.js';
import { createRuntime, type Runtime } from '../runtime.js';

/**
 * Runs one CLI command body with a runtime built from the environment, always closing it. Errors become
 * one readable line on stderr (secrets redacted) and a non-zero exit code, never a stack trace, unless
 * XAPI_ETL_DEBUG is set.
 */
export async function withRuntime<T>(body: (rt: Runtime) => Promise<T>): Promise<T | undefined> {
  let rt: Runtime | undefined;
  try {
    rt = await createRuntime(loadConfig());
    return await body(rt);
  } catch (error) {
    reportError(error);
    return undefined;
  } finally {
    await rt?.close().catch(() => undefined);
  }
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
