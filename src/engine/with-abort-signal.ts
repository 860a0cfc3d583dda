import type { ClickHouseClient } from '@clickhouse/client';

/**
 * The client as one invocation sees it: every query, command and insert also carries the invocation's abort
 * signal, so that at its deadline (src/lambda/deadline.ts) a request still waiting on a stalled ClickHouse is
 * given up at once instead of after the request timeout. Everything else is the client itself; `baseClient`
 * gives it back (for what is cached per client).
 */
const BASE = Symbol('xapi-etl base client');
const CALLS = new Set(['query', 'command', 'insert', 'exec']);

export function withAbortSignal(client: ClickHouseClient, signal: AbortSignal | undefined): ClickHouseClient {
  if (!signal) return client;
  return new Proxy(client, {
    get(target, prop, receiver) {
      if (prop === BASE) return target;
      const value = Reflect.get(target, prop, receiver);
      if (typeof prop !== 'string' || !CALLS.has(prop) || typeof value !== 'function') return value;
      return (params: { abort_signal?: AbortSignal }) =>
        value.call(target, {
          ...params,
          abort_signal: params.abort_signal ? AbortSignal.any([params.abort_signal, signal]) : signal,
        });
    },
  });
}

export function baseClient(client: ClickHouseClient): ClickHouseClient {
  return ((client as unknown as Record<symbol, ClickHouseClient | undefined>)[BASE] ??
    client) as ClickHouseClient;
}
