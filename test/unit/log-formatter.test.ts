import { Logger } from '@aws-lambda-powertools/logger';
import { afterEach, describe, expect, it } from 'vitest';
import { registerSecret } from '../../src/errors.js';
import { RedactingLogFormatter } from '../../src/lambda/log-formatter.js';
import { type CapturedOutput, captureOutput } from '../helpers/capture-output.js';

describe('the Lambda log formatter', () => {
  let out: CapturedOutput | undefined;
  afterEach(() => out?.restore());

  it('logs an error with its cause chain and stack, and no secret from any of them', () => {
    registerSecret('s3cr3t-ClickHouse-pw');
    out = captureOutput();
    const logger = new Logger({ serviceName: 'test', logFormatter: new RedactingLogFormatter() });
    const network = Object.assign(new Error('connect ECONNREFUSED 10.0.0.5:8443'), { code: 'ECONNREFUSED' });
    const engine = new Error('query failed: s3(…, AKIAABCDEFGHIJKLMNOP, s3cr3t-ClickHouse-pw)', {
      cause: network,
    });
    const top = new Error('LOAD_FAILED: a transient failure stopped the load', { cause: engine });
    logger.error('invocation failed', {
      error: top,
      url: 'https://default:s3cr3t-ClickHouse-pw@ch.example:8443',
    });
    const [line] = out.logs();
    const text = JSON.stringify(line);
    expect(text).not.toContain('s3cr3t-ClickHouse-pw');
    expect(text).not.toContain('AKIAABCDEFGHIJKLMNOP');
    const error = line?.error as Record<string, unknown>;
    expect(error.message).toBe('LOAD_FAILED: a transient failure stopped the load');
    expect(Array.isArray(error.stack)).toBe(true);
    const cause = error.cause as Record<string, unknown>;
    expect(cause.message).toBe('query failed: s3(…, [REDACTED], [REDACTED])');
    expect((cause.cause as Record<string, unknown>).code).toBe('ECONNREFUSED');
    expect(line?.url).toBe('https://[REDACTED]@ch.example:8443');
  });
});
