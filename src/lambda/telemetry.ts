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
  options: {
    namespace?: string;
    logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
    /** Also a [processing_mode, section_id] set for work on one section (XAPI_METRICS_SECTION_DIMENSION). */
    sectionDimension?: boolean;
  } = {},
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
      // One metric set per processing mode (the totals an operator alarms on). The section is metadata (in the
      // log line, searchable with Logs Insights) and a dimension only where asked for: a dimension per section
      // is 7 custom metrics per section, 14,000 for 2,000 sections.
      metrics.addDimension('processing_mode', f.processing_mode);
      if (options.sectionDimension && typeof f.section_id === 'string')
        metrics.addDimensions({ processing_mode: f.processing_mode, section_id: f.section_id });
      if (f.section_id !== null) metrics.addMetadata('section_id', sectionText(f.section_id));
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

/** A list of sections as metadata: a few named, then how many. */
function sectionText(section: string | string[]): string {
  if (typeof section === 'string') return section;
  return section.length <= 10 ? section.join(',') : `${section.slice(0, 10).join(',')},… (${section.length})`;
}

let shared: HandlerTelemetry | undefined;

/**
 * The container's one Powertools telemetry (created on first use, then kept, as Powertools recommends). The
 * namespace is POWERTOOLS_METRICS_NAMESPACE (the template sets xapi-etl/<environment>), else `xapi-etl`.
 */
export function lambdaTelemetry(): HandlerTelemetry {
  shared ??= powertoolsTelemetry({ sectionDimension: process.env.XAPI_METRICS_SECTION_DIMENSION === 'true' });
  return shared;
}
