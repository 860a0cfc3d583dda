import { ConfigError } from './errors.js';

/**
 * The embedded engine (chdb) and the local S3 (s3rver) are optional dependencies: `npm install --omit=optional`
 * installs the CLI for a ClickHouse server without them (docs/engines.md, "Server-only install"). A verb that
 * needs one of them says which, instead of a module-resolution stack trace.
 */
export async function importOptional<T>(pkg: string, neededFor: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (cause) {
    if (!isMissing(cause, pkg)) throw cause;
    throw new ConfigError(
      `${neededFor} needs the optional npm package "${pkg}", which this install left out ` +
        '(`npm install --omit=optional`): run `npm install` to add it',
      { cause },
    );
  }
}

function isMissing(error: unknown, pkg: string): boolean {
  const code = (error as { code?: string } | undefined)?.code;
  return (
    (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') &&
    String((error as Error).message).includes(`'${pkg}`)
  );
}
