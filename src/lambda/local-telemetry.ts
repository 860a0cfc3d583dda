import { redactSecrets } from '../errors.js';
import type { HandlerLogger, HandlerTelemetry } from './telemetry.js';

/**
 * The handler's telemetry when the command line runs it: stdout carries the result, so log lines go to
 * stderr, readable, from `level` up (errors only unless --verbose); metrics are for CloudWatch and stay off.
 */
const LEVELS = { info: 1, warn: 2, error: 3 } as const;

export function localTelemetry(
  options: { level?: keyof typeof LEVELS; stream?: NodeJS.WritableStream } = {},
): HandlerTelemetry {
  const threshold = LEVELS[options.level ?? 'error'];
  const stream = options.stream ?? process.stderr;
  let keys: Record<string, unknown> = {};
  const write = (level: keyof typeof LEVELS) => (message: string, attributes?: Record<string, unknown>) => {
    if (LEVELS[level] < threshold) return;
    const detail = { ...keys, ...attributes };
    const extra = Object.keys(detail).length > 0 ? ` ${JSON.stringify(detail, errorsAsText)}` : '';
    stream.write(`${level.toUpperCase()} ${redactSecrets(`${message}${extra}`)}\n`);
  };
  const logger: HandlerLogger = {
    info: write('info'),
    warn: write('warn'),
    error: write('error'),
    addContext: () => undefined,
    appendKeys: (k) => {
      keys = { ...keys, ...k };
    },
    resetKeys: () => {
      keys = {};
    },
  };
  return { logger, publishInvocation: () => undefined };
}

function errorsAsText(_key: string, value: unknown): unknown {
  return value instanceof Error ? `${value.name}: ${value.message}` : value;
}
