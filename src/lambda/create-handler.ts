import type { Context } from 'aws-lambda';
import type { AppConfig } from '../config/env.js';
import { errorMessage, InputError, XapiEtlError } from '../errors.js';
import {
  type BudgetStats,
  type BulkModeResult,
  type BulkOptions,
  continuationPayload,
  runBulk,
} from '../modes/bulk.js';
import { type EventModeResult, runEvent } from '../modes/event.js';
import { type HealthModeResult, healthWithoutEngine, runHealth } from '../modes/health.js';
import { type ModeCounts, zeroCounts } from '../modes/result.js';
import { createS3Client } from '../plan/s3-client.js';
import type { Runtime } from '../runtime.js';
import { assertSchemaCurrent } from '../schema/schema-state.js';
import { type DetectedPayload, detectMode, PayloadError } from './detect-mode.js';
import { logger, publishInvocationMetrics } from './observability.js';
import { type Invoker, lambdaSelfInvoker } from './self-invoke.js';

/**
 * The handler, built from its dependencies so that the CLI and the tests run the very same code with
 * their own runtime, continuation invoker and time budget.
 *
 * Failure policy: a payload that cannot be processed (InputError) is answered with success:false and
 * never thrown — a retry would fail the same way. Anything else (ClickHouse or S3 unreachable, timeouts,
 * a configuration that needs fixing) is thrown, so Lambda retries and finally hands the event to the
 * on-failure destination, where it waits to be replayed.
 */
export interface HandlerDeps {
  runtime: () => Promise<Runtime>;
  /** The configuration, when the runtime cannot be built: lets the health check report what failed. */
  config?: () => AppConfig;
  invoker?: Invoker;
  /** When a bulk invocation must hand over to a continuation; default: the Lambda's remaining time. */
  budget?: (context: Context) => BulkOptions['timeUp'];
  onBulkProgress?: BulkOptions['onProgress'];
  /** Stops a local run (Ctrl-C in the CLI): between batches, cancelling the one running. */
  signal?: AbortSignal;
}

export interface InvalidResult extends ModeCounts {
  success: false;
  processing_mode: 'event' | 'bulk' | 'health' | null;
  section_id: null;
  error: { code: string; message: string; retryable: false };
}

export type ModeResult = EventModeResult | BulkModeResult | HealthModeResult | InvalidResult;
export type HandlerResult = ModeResult & {
  request_id: string;
  duration_ms: number;
  /** SQS partial batch response: the messages to deliver again (transient failures only). */
  batchItemFailures?: { itemIdentifier: string }[];
  continuation_invoked?: boolean;
};

/** Stop a bulk invocation this long before the Lambda timeout, plus 1.5× the longest batch seen. */
const LAMBDA_RESERVE_MS = 60_000;

export function lambdaBudget(context: Context): BulkOptions['timeUp'] {
  return (s: BudgetStats) => context.getRemainingTimeInMillis() < LAMBDA_RESERVE_MS + 1.5 * s.longestBatchMs;
}

export function createHandler(deps: HandlerDeps) {
  const invoker = deps.invoker ?? lambdaSelfInvoker;
  const budget = deps.budget ?? lambdaBudget;

  return async function handler(event: unknown, context: Context): Promise<HandlerResult> {
    const started = performance.now();
    const requestId = context.awsRequestId;
    logger.addContext(context);
    let mode: DetectedPayload['mode'] | undefined;
    let sectionForMetrics: string | string[] | null = null;
    try {
      const detected = detectMode(event);
      mode = detected.mode;
      logger.appendKeys({ processing_mode: mode });
      const result = await run(detected, context);
      sectionForMetrics = result.section_id;
      return finish(result);
    } catch (error) {
      if (error instanceof InputError) {
        const result: InvalidResult = {
          success: false,
          processing_mode: mode ?? (error instanceof PayloadError ? error.mode : undefined) ?? null,
          section_id: null,
          ...zeroCounts(),
          error: { code: error.code, message: errorMessage(error), retryable: false },
        };
        return finish(result);
      }
      // Transient, or needs an operator: throw so that Lambda retries and then keeps the event in the DLQ.
      const duration = Math.round(performance.now() - started);
      const code = error instanceof XapiEtlError ? error.code : 'UNEXPECTED';
      const message = errorMessage(error);
      logger.error('invocation failed, will be retried', {
        error_code: code,
        error: message,
        retryable: error instanceof XapiEtlError ? error.retryable : true,
        duration_ms: duration,
      });
      publishInvocationMetrics(
        {
          processing_mode: mode ?? 'invalid',
          section_id: sectionForMetrics,
          success: false,
          ...zeroCounts(),
          duration_ms: duration,
        },
        requestId,
      );
      const thrown = new Error(`${code}: ${message}`);
      thrown.name = code;
      throw thrown;
    } finally {
      logger.resetKeys();
    }

    function finish(
      result: ModeResult & { batchItemFailures?: { itemIdentifier: string }[] },
    ): HandlerResult {
      const duration = Math.round(performance.now() - started);
      const out: HandlerResult = { ...result, request_id: requestId, duration_ms: duration };
      logInvocation(out);
      publishInvocationMetrics(
        {
          processing_mode: out.processing_mode ?? 'invalid',
          section_id: out.section_id,
          success: out.success,
          events_processed: out.events_processed,
          video_events_processed: out.video_events_processed,
          events_rejected: out.events_rejected,
          files_processed: out.files_processed,
          files_skipped: out.files_skipped,
          duration_ms: duration,
        },
        requestId,
      );
      return out;
    }
  };

  async function run(
    detected: DetectedPayload,
    context: Context,
  ): Promise<ModeResult & Partial<HandlerResult>> {
    if (detected.mode === 'health') return runHealthMode(detected.payload);
    const rt = await deps.runtime();
    await assertSchemaCurrent(rt.engine.client, rt.config.database);
    if (detected.mode === 'event') {
      const result = await runEvent(rt, detected.targets, { signal: deps.signal });
      if (detected.source === 'sqs') {
        const retry = new Set(
          result.files.filter((f) => f.outcome === 'failed' && f.retryable).flatMap((f) => f.message_ids),
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
        } as EventModeResult;
      }
      if (result.retryable_failure) throw retryableFailure(result.files.find((f) => f.retryable)?.error);
      return { ...result, ignored_records: detected.ignored } as EventModeResult;
    }
    const result = await runBulk(rt, detected.payload, {
      timeUp: budget(context),
      onProgress: deps.onBulkProgress,
      signal: deps.signal,
    });
    if (result.retryable_failure) throw retryableFailure(result.failed_files?.[0]?.error);
    if (result.continuation) {
      await invoker(continuationPayload(detected.payload, result.continuation), context);
      logger.info('backfill continues in a new invocation', {
        after_key: result.continuation.after_key,
        invocation: result.continuation.invocation,
        run_id: result.run.run_id,
      });
      return { ...result, continuation_invoked: true };
    }
    return result;
  }

  async function runHealthMode(payload: { s3_bucket?: string; stuck_after_minutes?: number }) {
    const options = { bucket: payload.s3_bucket, stuckAfterMinutes: payload.stuck_after_minutes };
    let rt: Runtime;
    try {
      rt = await deps.runtime();
    } catch (engineError) {
      let config: AppConfig | undefined;
      try {
        config = deps.config?.();
      } catch (configError) {
        return healthWithoutEngine(configError);
      }
      if (!config) return healthWithoutEngine(engineError);
      const s3 = createS3Client(config.s3);
      try {
        return await runHealth({ config, s3, engineError }, options);
      } finally {
        s3.destroy();
      }
    }
    return runHealth(rt, options);
  }
}

function retryableFailure(detail: string | undefined): XapiEtlError {
  return new XapiEtlError('LOAD_FAILED', `a transient failure stopped the load: ${detail ?? 'unknown'}`, {
    retryable: true,
  });
}

/** One structured line per invocation: what was asked, what was done, how long it took. */
function logInvocation(r: HandlerResult): void {
  const detail: Record<string, unknown> = {
    success: r.success,
    processing_mode: r.processing_mode,
    section_id: r.section_id,
    events_processed: r.events_processed,
    video_events_processed: r.video_events_processed,
    events_rejected: r.events_rejected,
    files_processed: r.files_processed,
    files_skipped: r.files_skipped,
    files_failed: r.files_failed,
    duration_ms: r.duration_ms,
  };
  if ('error' in r) detail.error = r.error;
  if ('files' in r) {
    detail.objects = r.files.slice(0, 10).map((f) => ({ bucket: f.bucket, key: f.key, outcome: f.outcome }));
    for (const f of r.files.filter((x) => x.outcome === 'failed')) {
      logger.warn('file not loaded', {
        bucket: f.bucket,
        key: f.key,
        error: f.error,
        retryable: f.retryable,
      });
    }
  }
  if ('dry_run' in r) {
    Object.assign(detail, {
      bucket: r.bucket,
      start_date: r.start_date,
      end_date: r.end_date,
      dry_run: r.dry_run,
      complete: r.complete,
      planned_files: r.planned.files,
      planned_bytes: r.planned.bytes,
      run_id: r.run.run_id,
      invocation: r.run.invocation,
    });
  }
  if ('reasons' in r) detail.reasons = r.reasons;
  if (r.batchItemFailures) detail.batch_item_failures = r.batchItemFailures.length;
  if (!r.success) logger.warn('invocation finished with failures', detail);
  else logger.info('invocation finished', detail);
}
