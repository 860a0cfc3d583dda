import { SourceError } from '../errors.js';

/**
 * What went wrong talking to S3, in words: the SDK's own errors often say only "Error" (a refused
 * connection arrives as an AggregateError with an empty message). The cause is named: the network
 * (with the endpoint), a bucket that does not exist (named), access denied, refused credentials.
 */
export type S3FailureKind = 'network' | 'no_bucket' | 'no_key' | 'denied' | 'credentials' | 'other';

export interface S3Failure {
  kind: S3FailureKind;
  /** One line, ending with what to check. */
  reason: string;
  /** Worth retrying as is (network, throttling, 5xx); a missing bucket or denied access is not. */
  retryable: boolean;
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ETIMEDOUT: 'timed out',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
};

interface SdkLikeError {
  name?: string;
  message?: string;
  code?: string;
  errors?: unknown[];
  $metadata?: { httpStatusCode?: number };
  Code?: string;
}

export function describeS3Failure(
  cause: unknown,
  target: { bucket: string; key?: string; endpoint?: string },
): S3Failure {
  const e = (cause ?? {}) as SdkLikeError;
  const where = target.endpoint ?? 'AWS S3';
  const object = `s3://${target.bucket}/${target.key ?? ''}`;
  const network = networkCode(e);
  if (network) {
    const local = /\/\/(127\.0\.0\.1|localhost|\[::1\])[:/]/.test(target.endpoint ?? '');
    return {
      kind: 'network',
      reason:
        `cannot reach S3 at ${where}: ${NETWORK_CODES[network] ?? network} (${network})` +
        (local
          ? '; is the local S3 running (`xapi-etl local-s3`)?'
          : '; check AWS_ENDPOINT_URL_S3 and the network'),
      retryable: true,
    };
  }
  if (e.name === 'TimeoutError') {
    return {
      kind: 'network',
      reason: `S3 at ${where} did not answer in time (${e.message ?? 'timeout'})`,
      retryable: true,
    };
  }
  const status = e.$metadata?.httpStatusCode;
  const code = e.Code ?? e.name ?? 'Error';
  if (code === 'NoSuchBucket') {
    return {
      kind: 'no_bucket',
      reason: `bucket "${target.bucket}" does not exist at ${where}`,
      retryable: false,
    };
  }
  if (
    code === 'InvalidAccessKeyId' ||
    code === 'SignatureDoesNotMatch' ||
    code === 'InvalidToken' ||
    code === 'ExpiredToken'
  ) {
    return {
      kind: 'credentials',
      reason: `S3 at ${where} refused the credentials (${code}): check AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or the role)`,
      retryable: false,
    };
  }
  if (status === 403 || code === 'AccessDenied' || code === 'Forbidden') {
    return {
      kind: 'denied',
      reason: `access denied to ${object} (${code}): check that the credentials may s3:ListBucket and s3:GetObject there`,
      retryable: false,
    };
  }
  if (code === 'NoSuchKey' || status === 404) {
    return { kind: 'no_key', reason: `${object} does not exist`, retryable: false };
  }
  const detail = e.message && e.message !== code && e.message !== 'UnknownError' ? `: ${e.message}` : '';
  return {
    kind: 'other',
    reason: `S3 at ${where} answered ${code}${status ? ` (HTTP ${status})` : ''}${detail}`,
    retryable: status === undefined || status >= 500 || status === 429,
  };
}

/** A SourceError that says what happened, keeping the SDK error as its cause. */
export function s3SourceError(
  what: string,
  cause: unknown,
  target: { bucket: string; key?: string; endpoint?: string },
): SourceError {
  const failure = describeS3Failure(cause, target);
  return new SourceError(`${what}: ${failure.reason}`, { retryable: failure.retryable, cause });
}

function networkCode(e: SdkLikeError): string | undefined {
  if (e.code && /^E[A-Z_]+$/.test(e.code)) return e.code;
  for (const inner of e.errors ?? []) {
    const c = (inner as SdkLikeError)?.code;
    if (c && /^E[A-Z_]+$/.test(c)) return c;
  }
  const m = /\b(ECONNREFUSED|ECONNRESET|ETIMEDOUT|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)\b/.exec(
    e.message ?? '',
  );
  return m?.[1];
}
