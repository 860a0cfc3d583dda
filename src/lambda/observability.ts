import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * One logger and one metrics instance per container (created at module scope, as Powertools
 * recommends): JSON log lines on stdout, and CloudWatch metrics as EMF blobs on stdout.
 */
export const SERVICE_NAME = 'xapi-etl-processor';

export const logger = new Logger({ serviceName: SERVICE_NAME });

export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'xapi-etl',
  serviceName: SERVICE_NAME,
});

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

/**
 * Publishes one invocation's figures. `section_id` becomes a dimension only when the work covered one
 * known section: a dimension per arbitrary list would explode CloudWatch's metric count.
 */
export function publishInvocationMetrics(f: InvocationFigures, requestId: string): void {
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
}
