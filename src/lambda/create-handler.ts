import type { Context } from 'aws-lambda';
import { cleanupIfDue } from '../cleanup/cleanup-if-due.js';
import { isAuthenticationFailure } from '../engine/error-classes.js';
import { forgetPassword } from '../engine/password.js';
import { withAbortSignal } from '../engine/with-abort-signal.js';
import { errorMessage, InputError, XapiEtlError } from '../errors.js';
import type { BudgetStats, BulkOptions } from '../modes/bulk.js';
import { zeroCounts } from '../modes/result.js';
import { expireIfDue } from '../retention/expire-if-due.js';
import { assertSchemaCurrent, SchemaBehindError } from '../schema/schema-state.js';
import { invocationDeadline } from './deadline.js';
import { type DetectedPayload, detectMode, PayloadError } from './detect-mode.js';
import type { HandlerDeps, HandlerResult, InvalidResult, ModeResult } from './handler-types.js';
import { logInvocation } from './invocation-log.js';
import { invokeBulk } from './invoke-bulk.js';
import { invokeEvent } from './invoke-event.js';
import { invokeHealth } from './invoke-health.js';
import { lambdaSelfInvoker } from './self-invoke.js';
import { lambdaTelemetry } from './telemetry.js';

export type { HandlerDeps, HandlerResult, InvalidResult, ModeResult } from './handler-types.js';

/**
 * The handler: detect the mode from the payload, run it, answer with the result, its log line and its
 * metrics. Each mode's Lambda side is a file of its own (invoke-event, invoke-bulk, invoke-health).
 *
 * Failure policy: what a retry cannot fix is answered with success:false and never thrown: a payload
 * that cannot be processed (InputError), a load that failed for good (its files are marked failed with
 * the reason), a schema behind this version (SCHEMA_BEHIND: nothing is loaded until `xapi-etl migrate`;
 * the files that came meanwhile are loaded by a backfill over the window, docs/operations.md, "Upgrades"; from SQS, the
 * messages are handed back to the queue, where they wait). Anything a retry can fix (ClickHouse or S3
 * unreachable, timeouts, memory, a migration in progress, a configuration that needs fixing) is thrown,
 * with its cause, so Lambda retries and finally hands the event to the on-failure destination, where it
 * waits to be replayed.
 */
const LAMBDA_RESERVE_MS = 60_000;

/** Stop a bulk invocation this long before the Lambda timeout, plus 1.5× the longest batch seen. */
export function lambdaBudget(context: Context): BulkOptions['timeUp'] {
  return (s: BudgetStats) => context.getRemainingTimeInMillis() < LAMBDA_RESERVE_MS + 1.5 * s.longestBatchMs;
}

/** The least time left after a load for the hourly cleanup and expiry to start. */
const HOUSEKEEPING_MIN_MS = 120_000;

export function createHandler(deps: HandlerDeps) {
  const telemetry = deps.telemetry ?? lambdaTelemetry();
  const { logger } = telemetry;
  const full = { ...deps, invoker: deps.invoker ?? lambdaSelfInvoker, budget: deps.budget ?? lambdaBudget };

  async function run(detected: DetectedPayload, context: Context): Promise<ModeResult> {
    if (detected.mode === 'health') return invokeHealth(detected.payload, deps);
    const rt = await deps.runtime();
    await assertSchemaCurrent(rt.engine.client, rt.config.database);
    const deadline = invocationDeadline(context, deps.signal);
    const bounded = { signal: deadline.signal, deadlineAt: deadline.atMs };
    // This invocation's queries give up at its deadline, even on a ClickHouse that stopped answering.
    const mine = {
      ...rt,
      engine: { ...rt.engine, client: withAbortSignal(rt.engine.client, deadline.deadlineSignal) },
    };
    try {
      const result =
        detected.mode === 'event'
          ? await invokeEvent(mine, detected, context, { ...deps, ...bounded }, logger)
          : await invokeBulk(mine, detected, context, { ...full, ...bounded }, logger);
      // Housekeeping (hourly) only with time to spare: it never runs into the deadline.
      if (!deadline.signal?.aborted && context.getRemainingTimeInMillis() > HOUSEKEEPING_MIN_MS) {
        const report = (message: string, detail: Record<string, unknown>) => logger.info(message, detail);
        await cleanupIfDue(rt, report);
        await expireIfDue(rt, report);
      }
      return result;
    } finally {
      deadline.clear();
    }
  }

  /** A rotated password: ClickHouse refuses the one in use; the secret is read again and the run retried once. */
  async function runRenewingCredentials(detected: DetectedPayload, context: Context): Promise<ModeResult> {
    try {
      return await run(detected, context);
    } catch (error) {
      if (!deps.renewRuntime || !isAuthenticationFailure(error)) throw error;
      logger.warn('ClickHouse refused the password: reading the secret again and retrying once', {
        error_code: 'AUTHENTICATION_FAILED',
      });
      forgetPassword();
      await deps.renewRuntime();
      return run(detected, context);
    }
  }

  return async function handler(event: unknown, context: Context): Promise<HandlerResult> {
    const started = performance.now();
    const requestId = context.awsRequestId;
    logger.addContext(context);
    let mode: DetectedPayload['mode'] | undefined;
    let detected: DetectedPayload | undefined;
    const finish = (result: ModeResult): HandlerResult => {
      const out: HandlerResult = { ...result, request_id: requestId, duration_ms: elapsed(started) };
      logInvocation(logger, out);
      telemetry.publishInvocation({ ...out, processing_mode: out.processing_mode ?? 'invalid' }, requestId);
      return out;
    };
    try {
      detected = detectMode(event);
      mode = detected.mode;
      logger.appendKeys({ processing_mode: mode });
      return finish(await runRenewingCredentials(detected, context));
    } catch (error) {
      if (error instanceof InputError) return finish(invalid(error, mode));
      if (error instanceof SchemaBehindError) {
        logger.error('the schema is behind this version: nothing loaded, not retried', {
          error_code: error.code,
          error,
        });
        return finish(schemaBehind(error, mode, detected));
      }
      // Transient, or needs an operator: thrown so that Lambda retries, then keeps the event in the DLQ.
      const code = error instanceof XapiEtlError ? error.code : 'UNEXPECTED';
      const duration = elapsed(started);
      logger.error('invocation failed, will be retried', {
        error_code: code,
        error,
        retryable: error instanceof XapiEtlError ? error.retryable : true,
        duration_ms: duration,
      });
      telemetry.publishInvocation(
        {
          processing_mode: mode ?? 'invalid',
          section_id: null,
          success: false,
          ...zeroCounts(),
          duration_ms: duration,
        },
        requestId,
      );
      const thrown = new Error(`${code}: ${errorMessage(error)}`, { cause: error });
      thrown.name = code;
      throw thrown;
    } finally {
      logger.resetKeys();
    }
  };
}

function invalid(error: InputError, mode: DetectedPayload['mode'] | undefined): InvalidResult {
  return {
    success: false,
    processing_mode: mode ?? (error instanceof PayloadError ? error.mode : undefined) ?? null,
    section_id: null,
    ...zeroCounts(),
    error: { code: error.code, message: errorMessage(error), retryable: false },
  };
}

/** From SQS every message goes back to the queue: it is loaded once `migrate` has run. */
function schemaBehind(
  error: SchemaBehindError,
  mode: DetectedPayload['mode'] | undefined,
  detected: DetectedPayload | undefined,
): InvalidResult & { batchItemFailures?: { itemIdentifier: string }[] } {
  const sqs = detected?.mode === 'event' && detected.source === 'sqs' ? detected.messageIds : undefined;
  return {
    success: false,
    processing_mode: mode ?? null,
    section_id: null,
    ...zeroCounts(),
    error: { code: error.code, message: errorMessage(error), retryable: false },
    ...(sqs ? { batchItemFailures: sqs.map((id) => ({ itemIdentifier: id })) } : {}),
  };
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
