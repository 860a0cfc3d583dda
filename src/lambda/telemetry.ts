import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import type { Context } from 'aws-lambda';
import { RedactingLogFormatter } from './log-formatter.js';

/**
 * What the handler tells the world: structured log lines and one set of metrics per invocation. Injected,
 * so that the Lambda (Powertools: JSON logs and EMF on stdout, for CloudWatch), the command line (readable
 * lines on stderr, no metrics) and the tests each get them where they want them.
 */
export interface HandlerLogger {
  info(message: string, attributes?: Record<string, unknown>): void;
  warn(message: string, attributes?: Record<string, unknown>): void;
  error(message: string, attributes?: Record<string, unknown>): void;
  addContext(context: Context): void;
  appendKeys(keys: Record<string, unknown>): void;
  resetKeys(): void;
}

export interface InvocationFigures {
  processing_mode: string;
  section_id: string | string[] | null;
  success: boolean;
  events_processed: number;
  video_events_processed: number;
  events_rejected: number;
  files_processed: number;
  files_skipped: number;
  duration_ms: number;
}

export interface HandlerTelemetry {
  logger: HandlerLogger;
  publishInvocation(figures: InvocationFigures, requestId: string): void;
}

export const SERVICE_NAME = 'xapi-etl-processor';

/**
 * Powertools for AWS Lambda: one logger (every line through the redacting formatter, errors with their
 * cause chain) and one metrics instance, created once per container as Powertools recommends.
 */
export function powertoolsTelemetry(
  options: { namespace?: string; logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' } = {},
): HandlerTelemetry {
  const logger = new Logger({
    serviceName: SERVICE_NAME,
    logFormatter: new RedactingLogFormatter(),
    ...(options.logLevel ? { logLevel: options.logLevel } : {}),
  });
  const metrics = new Metrics({
    namespace: options.namespace ?? process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'xapi-etl',
    serviceName: SERVICE_NAME,
  });
  return {
    logger: {
      info: (message, attributes) => logger.info(message, attributes ?? {}),
      warn: (message, attributes) => logger.warn(message, attributes ?? {}),
      error: (message, attributes) => logger.error(message, attributes ?? {}),
      addContext: (context) => logger.addContext(context),
      appendKeys: (keys) => logger.appendKeys(keys),
      resetKeys: () => logger.resetKeys(),
    },
    publishInvocation: (f, requestId) => {
      // section_id is a dimension only when the work covered one known section: a dimension per
      // arbitrary list would explode CloudWatch's metric count.
      metrics.addDimension('processing_mode', f.processing_mode);
      if (typeof f.section_id === 'string') metrics.addDimension('section_id', f.section_id);
      metrics.addMetadata('request_id', requestId);
      metrics.addMetric('events_processed', MetricUnit.Count, f.events_processed);
      metrics.addMetric('video_events_processed', MetricUnit.Count, f.video_events_processed);
      metrics.addMetric('events_rejected', MetricUnit.Count, f.events_rejected);
      metrics.addMetric('files_processed', MetricUnit.Count, f.files_processed);
      metrics.addMetric('files_skipped', MetricUnit.Count, f.files_skipped);
      metrics.addMetric('duration', MetricUnit.Milliseconds, f.duration_ms);
      metrics.addMetric('success', MetricUnit.Count, f.success ? 1 : 0);
      metrics.publishStoredMetrics();
    },
  };
}

let shared: HandlerTelemetry | undefined;

/** The container's one Powertools telemetry (created on first use, then kept, as Powertools recommends). */
export function lambdaTelemetry(): HandlerTelemetry {
  shared ??= powertoolsTelemetry();
  return shared;
}
