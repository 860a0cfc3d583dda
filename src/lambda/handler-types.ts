import type { Context } from 'aws-lambda';
import type { AppConfig } from '../config/env.js';
import type { BulkModeResult, BulkOptions } from '../modes/bulk.js';
import type { EventModeResult } from '../modes/event.js';
import type { HealthModeResult } from '../modes/health.js';
import type { ModeCounts } from '../modes/result.js';
import type { Runtime } from '../runtime-types.js';
import type { Invoker } from './self-invoke.js';
import type { HandlerTelemetry } from './telemetry.js';

/**
 * What the handler is built from, so that the Lambda, the CLI and the tests run the very same code with
 * their own runtime, telemetry, continuation invoker and time budget.
 */
export interface HandlerDeps {
  runtime: () => Promise<Runtime>;
  /**
   * Forget the runtime (and the password it was built with): ClickHouse refused the credentials, which a
   * rotation does; the next `runtime()` reads the secret again. The handler then retries the invocation once.
   */
  renewRuntime?: () => Promise<void>;
  /** The configuration, when the runtime cannot be built: lets the health check report what failed. */
  config?: () => AppConfig;
  /** Logs and metrics; default: the container's Powertools instances (JSON and EMF on stdout). */
  telemetry?: HandlerTelemetry;
  invoker?: Invoker;
  /** When a bulk invocation must hand over to a continuation; default: the Lambda's remaining time. */
  budget?: (context: Context) => BulkOptions['timeUp'];
  onBulkProgress?: BulkOptions['onProgress'];
  /** Stops a local run (Ctrl-C in the CLI): between batches, cancelling the one running. */
  signal?: AbortSignal;
  /** Set by the handler from the invocation's deadline (src/lambda/deadline.ts). */
  deadlineAt?: number;
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
