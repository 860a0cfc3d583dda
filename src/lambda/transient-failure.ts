import { XapiEtlError } from '../errors.js';

/** What the handler throws when a load failed in a way a retry can fix; the failure itself is its cause. */
export function transientFailure(detail: string | undefined, cause?: Error): XapiEtlError {
  return new XapiEtlError('LOAD_FAILED', `a transient failure stopped the load: ${detail ?? 'unknown'}`, {
    retryable: true,
    cause,
  });
}
