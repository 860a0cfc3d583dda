/**
 * One error family for the processor. `retryable` tells the Lambda whether to throw (so AWS retries
 * and, when retries run out, the event lands in the dead-letter queue) or to answer with a failure
 * at once (bad input would fail the same way on every retry).
 */
export class XapiEtlError extends Error {
  readonly retryable: boolean;
  readonly code: string;

  constructor(code: string, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
  }
}

/** A bad environment variable: fix the configuration, retrying will not help. */
export class ConfigError extends XapiEtlError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('CONFIG_INVALID', message, options);
  }
}

/** A payload or CLI argument that cannot be processed as given. */
export class InputError extends XapiEtlError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('INPUT_INVALID', message, options);
  }
}

/** ClickHouse could not be reached or failed a query: usually transient. */
export class EngineError extends XapiEtlError {
  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super('ENGINE_FAILED', message, { retryable: options.retryable ?? true, cause: options.cause });
  }
}

/** The embedded data directory is held by another process. */
export class EngineBusyError extends XapiEtlError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('ENGINE_BUSY', message, { retryable: true, cause: options.cause });
  }
}

/** S3 could not be listed or read: usually transient. */
export class SourceError extends XapiEtlError {
  constructor(message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super('SOURCE_FAILED', message, { retryable: options.retryable ?? true, cause: options.cause });
  }
}

/** A migration file no longer matches what was applied, or a migration failed. */
export class MigrationError extends XapiEtlError {
  constructor(message: string, options: { cause?: unknown } = {}) {
    super('MIGRATION_FAILED', message, options);
  }
}

export function errorMessage(error: unknown): string {
  return redactSecrets(error instanceof Error ? error.message : String(error));
}

const secretPatterns: RegExp[] = [
  // AWS access keys, secrets in s3() arguments and URL credentials must never reach a log line.
  /\b(AKIA|ASIA)[A-Z0-9]{16}\b/g,
  /(password|secret|token|sk|ak)=([^&\s'"]+)/gi,
  /\/\/([^:/@\s]+):([^@/\s]+)@/g,
];
const knownSecrets = new Set<string>();

/** Registers a runtime secret (password, S3 secret key, session token) so that it is masked everywhere. */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 4) knownSecrets.add(secret);
}

export function redactSecrets(text: string): string {
  let out = text;
  for (const secret of knownSecrets) out = out.split(secret).join('[REDACTED]');
  out = out.replace(secretPatterns[0] as RegExp, '[REDACTED]');
  out = out.replace(secretPatterns[1] as RegExp, '$1=[REDACTED]');
  out = out.replace(secretPatterns[2] as RegExp, '//[REDACTED]@');
  return out;
}

/** The reason a run was aborted at the Lambda invocation's deadline (src/lambda/deadline.ts). */
export class DeadlineReached extends Error {
  /** How long a cancelled query is waited for before the invocation answers without it (half the margin). */
  readonly graceMs: number;
  constructor(marginMs: number) {
    super(
      `cancelled ${Math.round(marginMs / 1000)} s before the invocation's timeout, so that no query outlives it; retried`,
    );
    this.name = 'DeadlineReached';
    this.graceMs = marginMs / 2;
  }
}
