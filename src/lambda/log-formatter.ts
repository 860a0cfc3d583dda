import { LogFormatter, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { redactSecrets } from '../errors.js';

/**
 * Powertools' JSON log line, with every string in it passed through the redaction that masks secrets
 * (passwords, AWS keys, tokens in URLs) — the message, every attribute, and an error's message, stack and
 * whole `cause` chain. So an error is logged with its causes and stack (where it came from, why), never with
 * a secret that one of them carried (a ClickHouse error can quote the s3() credentials of the query).
 */
export class RedactingLogFormatter extends LogFormatter {
  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const base: LogAttributes = {
      level: attributes.logLevel,
      message: attributes.message,
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      cold_start: attributes.lambdaContext?.coldStart,
      function_arn: attributes.lambdaContext?.invokedFunctionArn,
      function_memory_size: attributes.lambdaContext?.memoryLimitInMB,
      function_name: attributes.lambdaContext?.functionName,
      function_request_id: attributes.lambdaContext?.awsRequestId,
      sampling_rate: attributes.sampleRateValue,
      xray_trace_id: attributes.xRayTraceId,
    };
    return new LogItem({ attributes: redactDeep(base) as LogAttributes }).addAttributes(
      redactDeep(additional) as LogAttributes,
    );
  }

  /** The error, its own fields, and each cause in turn, with the stack as lines. */
  override formatError(error: Error): LogAttributes {
    const formatted: LogAttributes = {
      name: error.name,
      location: this.getCodeLocation(error.stack),
      message: error.message,
      stack: typeof error.stack === 'string' ? error.stack.split('\n') : error.stack,
    };
    for (const [key, value] of Object.entries(error)) {
      if (key !== 'cause') formatted[key] = value as LogAttributes[string];
    }
    const cause = (error as { cause?: unknown }).cause;
    if (cause !== undefined)
      formatted.cause = cause instanceof Error ? this.formatError(cause) : String(cause);
    return redactDeep(formatted) as LogAttributes;
  }
}

function redactDeep(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactSecrets(value);
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return value; // formatted by formatError, which redacts
  if (Array.isArray(value)) return value.map((v) => redactDeep(v, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, redactDeep(v, depth + 1)]));
}
