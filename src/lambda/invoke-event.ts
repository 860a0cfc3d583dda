import type { Context } from 'aws-lambda';
import { type EventModeResult, runEvent } from '../modes/event.js';
import { failureCause } from '../modes/result.js';
import type { Runtime } from '../runtime-types.js';
import type { DetectedPayload } from './detect-mode.js';
import type { HandlerDeps } from './handler-types.js';
import type { HandlerLogger } from './telemetry.js';
import { transientFailure } from './transient-failure.js';

type EventPayload = Extract<DetectedPayload, { mode: 'event' }>;

/**
 * Event mode as Lambda sees it. The request id owns the claims: Lambda's retries of this event keep it,
 * and take a crashed load over at once. A transient failure is thrown (Lambda retries, then the DLQ);
 * from SQS, only the messages whose files must come back are named in `batchItemFailures`.
 */
export async function invokeEvent(
  rt: Runtime,
  detected: EventPayload,
  context: Context,
  deps: HandlerDeps,
  logger: HandlerLogger,
): Promise<EventModeResult & { batchItemFailures?: { itemIdentifier: string }[] }> {
  const result = await runEvent(rt, detected.targets, {
    signal: deps.signal,
    deadlineAt: deps.deadlineAt,
    owner: context.awsRequestId,
  });
  if (detected.source !== 'sqs') {
    if (result.retryable_failure) {
      throw transientFailure(result.files.find((f) => f.retryable)?.error, failureCause(result));
    }
    return { ...result, ignored_records: detected.ignored };
  }
  // A file another load holds comes back later through SQS: by then it is loaded (skipped), or that load
  // died and its lease ran out (taken over).
  const retry = new Set(
    result.files
      .filter((f) => (f.outcome === 'failed' && f.retryable) || f.outcome === 'in_progress')
      .flatMap((f) => f.message_ids),
  );
  for (const bad of detected.badMessages) {
    logger.error('SQS message is not an S3 notification; acknowledged, not retried', {
      message_id: bad.messageId,
      error: bad.error,
    });
  }
  return {
    ...result,
    success: result.success && detected.badMessages.length === 0,
    ignored_records: detected.ignored,
    bad_messages: detected.badMessages.map((b) => ({ message_id: b.messageId, error: b.error })),
    batchItemFailures: detected.messageIds
      .filter((id) => retry.has(id))
      .map((id) => ({ itemIdentifier: id })),
  };
}
