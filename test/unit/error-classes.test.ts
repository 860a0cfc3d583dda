import { ClickHouseError } from '@clickhouse/client';
import { describe, expect, it } from 'vitest';
import { classifyEngineError } from '../../src/engine/error-classes.js';

const ch = (type: string, code: string, message = 'failed') => new ClickHouseError({ message, code, type });
const net = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:8123`), { code });

describe('retry or not, by ClickHouse error code', () => {
  it('does not retry what a retry cannot fix: SQL, schema, credentials, permissions', () => {
    for (const [type, code] of [
      ['SYNTAX_ERROR', '62'],
      ['UNKNOWN_TABLE', '60'],
      ['UNKNOWN_DATABASE', '81'],
      ['AUTHENTICATION_FAILED', '516'],
      ['ACCESS_DENIED', '497'],
      ['READONLY', '164'],
    ]) {
      expect(classifyEngineError(ch(type as string, code as string))).toEqual({
        retryable: false,
        kind: type,
      });
    }
    // Without a name, by number.
    expect(classifyEngineError(ch(undefined as unknown as string, '516'))).toEqual({
      retryable: false,
      kind: 'CLICKHOUSE_516',
    });
  });

  it('retries what passes: timeouts, memory, too many parts, Keeper, a cancelled query, an unknown code', () => {
    for (const [type, code] of [
      ['TIMEOUT_EXCEEDED', '159'],
      ['MEMORY_LIMIT_EXCEEDED', '241'],
      ['TOO_MANY_PARTS', '252'],
      ['KEEPER_EXCEPTION', '999'],
      ['QUERY_WAS_CANCELLED', '394'],
      ['TOO_MANY_SIMULTANEOUS_QUERIES', '202'],
      ['SOME_FUTURE_ERROR', '9999'],
    ]) {
      expect(classifyEngineError(ch(type as string, code as string))).toEqual({
        retryable: true,
        kind: type,
      });
    }
  });

  it('tells a partition limit (permanent for that data) from too many parts (back-pressure)', () => {
    const partitions = ch(
      'TOO_MANY_PARTS',
      '252',
      'Too many partitions for single INSERT block (more than 100)',
    );
    expect(classifyEngineError(partitions)).toEqual({ retryable: false, kind: 'TOO_MANY_PARTITIONS' });
  });

  it('reads S3 answers inside S3_ERROR: a missing bucket or denied access is permanent, throttling is not', () => {
    expect(
      classifyEngineError(ch('S3_ERROR', '499', 'Message: Access Denied. Code: AccessDenied')).retryable,
    ).toBe(false);
    expect(
      classifyEngineError(ch('S3_ERROR', '499', 'The specified bucket does not exist (NoSuchBucket)'))
        .retryable,
    ).toBe(false);
    expect(
      classifyEngineError(ch('S3_ERROR', '499', 'Code: SlowDown. Please reduce your request rate')).retryable,
    ).toBe(true);
  });

  it('retries network failures, also when the client wraps them', () => {
    expect(classifyEngineError(net('ECONNREFUSED'))).toEqual({ retryable: true, kind: 'ECONNREFUSED' });
    const wrapped = new Error('request failed', { cause: net('ECONNRESET') });
    expect(classifyEngineError(wrapped)).toEqual({ retryable: true, kind: 'ECONNRESET' });
    expect(classifyEngineError(new Error('Timeout error.'))).toEqual({ retryable: true, kind: 'NETWORK' });
  });
});
