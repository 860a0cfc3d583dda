import type { Context } from 'aws-lambda';
import { type BulkModeResult, continuationPayload, runBulk } from '../modes/bulk.js';
import { failureCause } from '../modes/result.js';
import type { Runtime } from '../runtime-types.js';
import type { DetectedPayload } from './detect-mode.js';
import type { HandlerDeps } from './handler-types.js';
import type { Invoker } from './self-invoke.js';
import type { HandlerLogger } from './telemetry.js';
import { transientFailure } from './transient-failure.js';

type BulkPayloadDetected = Extract<DetectedPayload, { mode: 'bulk' }>;

/**
 * Bulk mode as Lambda sees it: a backfill that outlasts the invocation's time hands the rest to a new
 * invocation of the function (the continuation), before this one ends.
 */
export async function invokeBulk(
  rt: Runtime,
  detected: BulkPayloadDetected,
  context: Context,
  deps: HandlerDeps & { budget: NonNullable<HandlerDeps['budget']>; invoker: Invoker },
  logger: HandlerLogger,
): Promise<BulkModeResult & { continuation_invoked?: boolean; error?: string }> {
  const result = await runBulk(rt, detected.payload, {
    owner: context.awsRequestId,
    timeUp: deps.budget(context),
    onProgress: deps.onBulkProgress,
    signal: deps.signal,
    deadlineAt: deps.deadlineAt,
  });
  if (result.retryable_failure) throw transientFailure(result.failed_files?.[0]?.error, failureCause(result));
  if (!result.continuation) return result;
  // A hard cap on the chain (the template lets Lambda's loop detection pass it: RecursiveLoop Allow).
  const handovers = result.continuation.invocation - 1;
  if (handovers > rt.config.bulkMaxContinuations) {
    const error =
      `backfill stopped after ${handovers - 1} continuations (XAPI_BULK_MAX_CONTINUATIONS=` +
      `${rt.config.bulkMaxContinuations}): invoke the same request again to carry on (loaded files are skipped)`;
    logger.error(error, { after_key: result.continuation.after_key, run_id: result.run.run_id });
    return { ...result, success: false, error };
  }
  await deps.invoker(continuationPayload(detected.payload, result.continuation), context);
  logger.info('backfill continues in a new invocation', {
    after_key: result.continuation.after_key,
    invocation: result.continuation.invocation,
    run_id: result.run.run_id,
  });
  return { ...result, continuation_invoked: true };
}
