/**
 * Whether a failure of ClickHouse can pass if the same work is retried later, decided by the server's own
 * error code (`ClickHouseError.type`, stable across versions; the number is the fallback). A load that can
 * never succeed (its SQL, the schema, the credentials, the bucket's permissions) is marked failed with the
 * reason and not retried; one that can (the network, a timeout, memory, too many parts, Keeper) is retried
 * by Lambda and ends in the dead-letter queue if it keeps failing. docs/lambda.md, "Errors: retry or not".
 */
export interface ErrorClass {
  retryable: boolean;
  /** What kind of failure, for logs and the ledger: the ClickHouse error name, or the network error code. */
  kind: string;
}

/** Errors a retry cannot fix: the query, the schema, the configuration, permissions. */
const PERMANENT = new Set([
  'SYNTAX_ERROR',
  'UNKNOWN_TABLE',
  'UNKNOWN_DATABASE',
  'UNKNOWN_IDENTIFIER',
  'UNKNOWN_FUNCTION',
  'UNKNOWN_TYPE',
  'UNKNOWN_SETTING',
  'UNKNOWN_FORMAT',
  'UNKNOWN_STORAGE',
  'UNKNOWN_USER',
  'NO_SUCH_COLUMN_IN_TABLE',
  'THERE_IS_NO_COLUMN',
  'ILLEGAL_TYPE_OF_ARGUMENT',
  'ILLEGAL_COLUMN',
  'TYPE_MISMATCH',
  'NUMBER_OF_ARGUMENTS_DOESNT_MATCH',
  'BAD_ARGUMENTS',
  'INCORRECT_QUERY',
  'INCORRECT_DATA',
  'NOT_IMPLEMENTED',
  'SUPPORT_IS_DISABLED',
  'SETTING_CONSTRAINT_VIOLATION',
  'READONLY',
  'ACCESS_DENIED',
  'AUTHENTICATION_FAILED',
  'WRONG_PASSWORD',
  'REQUIRED_PASSWORD',
  'IP_ADDRESS_NOT_ALLOWED',
  'FILE_DOESNT_EXIST',
  'CANNOT_EXTRACT_TABLE_STRUCTURE',
  'CANNOT_DETECT_FORMAT',
  'FUNCTION_THROW_IF_VALUE_IS_NON_ZERO',
]);

/** The same by number, for errors that arrive without a name. */
const PERMANENT_CODES = new Set([
  62, 60, 81, 47, 46, 50, 115, 73, 56, 192, 16, 8, 43, 44, 53, 42, 36, 80, 117, 48, 344, 452, 164, 497, 516,
  193, 194, 195, 107, 636, 395,
]);

/** S3 answers inside ClickHouse's S3_ERROR that a retry cannot change. */
const PERMANENT_S3 =
  /\b(AccessDenied|NoSuchBucket|InvalidAccessKeyId|SignatureDoesNotMatch|InvalidBucketName|AuthorizationHeaderMalformed|PermanentRedirect)\b/;

/** Node's network errors: all worth a retry (the server may be restarting, the network healing). */
const NETWORK =
  /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN|ECONNABORTED|UND_ERR_\w+)$/;

export function classifyEngineError(error: unknown): ErrorClass {
  const e = error as { code?: unknown; type?: unknown; message?: unknown; cause?: unknown };
  const type = typeof e?.type === 'string' ? e.type : undefined;
  const code = typeof e?.code === 'string' || typeof e?.code === 'number' ? String(e.code) : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  if (code && NETWORK.test(code)) return { retryable: true, kind: code };
  if (type === 'S3_ERROR' || code === '499') {
    return { retryable: !PERMANENT_S3.test(message), kind: 'S3_ERROR' };
  }
  // One code, two meanings: a partition limit is permanent for that data, too many parts is back-pressure.
  if ((type === 'TOO_MANY_PARTS' || code === '252') && /too many partitions/i.test(message)) {
    return { retryable: false, kind: 'TOO_MANY_PARTITIONS' };
  }
  if (type !== undefined && PERMANENT.has(type)) return { retryable: false, kind: type };
  if (type === undefined && code !== undefined && PERMANENT_CODES.has(Number(code))) {
    return { retryable: false, kind: `CLICKHOUSE_${code}` };
  }
  if (type !== undefined || (code !== undefined && /^\d+$/.test(code))) {
    return { retryable: true, kind: type ?? `CLICKHOUSE_${code}` };
  }
  // Not from ClickHouse itself: look for a network error underneath (the client wraps them).
  if (e?.cause && e.cause !== error) return classifyEngineError(e.cause);
  if (/timeout|socket hang up|network|connection/i.test(message)) return { retryable: true, kind: 'NETWORK' };
  return { retryable: true, kind: 'UNKNOWN' };
}

/** Kinds of a refused login: ClickHouse's names, and its number when the name is missing. */
const AUTHENTICATION = new Set([
  'AUTHENTICATION_FAILED',
  'WRONG_PASSWORD',
  'REQUIRED_PASSWORD',
  'CLICKHOUSE_516',
]);

/** ClickHouse refused the credentials (a rotated password does that), however the error was wrapped. */
export function isAuthenticationFailure(error: unknown): boolean {
  return AUTHENTICATION.has(classifyEngineError(error).kind);
}
