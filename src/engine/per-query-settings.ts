/**
 * chDB's connection for @clickhouse/client applies a query's `clickhouse_settings` as `SET` statements on
 * its one session, where they stay: `insert_deduplication_token` of one INSERT would deduplicate the next
 * INSERT away, a `log_comment` would mark later queries as part of a finished load, `join_use_nulls` would
 * change later joins. On a server these settings are per query. This wrapper makes them per query here
 * too: each query first resets every setting that any query on this connection set and it does not set
 * itself (`SET x = DEFAULT`, in the same multi-statement call, so no other query runs in between; a few
 * dozen names at most).
 */
type Params = { query: string; clickhouse_settings?: Record<string, unknown> };

/** Settings chDB's adapter does not SET (HTTP-only ones, and default_format, which it maps to an option). */
const NOT_SET_ON_THE_SESSION = new Set([
  'default_format',
  'wait_end_of_query',
  'send_progress_in_http_headers',
  'http_response_buffer_size',
  'http_headers_progress_interval_ms',
  'http_send_progress_interval_ms',
  'enable_http_compression',
  'http_zlib_compression_level',
  'http_response_compression_method',
  'http_native_compression_disable_checksumming_on_decompress',
]);

const SETTING_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function perQuerySettings<C extends object>(connection: C): C {
  const setOnSession = new Set<string>();
  const scoped = (params: Params): Params => {
    const mine = Object.entries(params.clickhouse_settings ?? {})
      .filter(([k, v]) => v !== undefined && !NOT_SET_ON_THE_SESSION.has(k) && SETTING_NAME.test(k))
      .map(([k]) => k);
    // Every setting ever set here is reset, not only the last query's: queries reach chDB in another order
    // than they were made (the adapter reads an INSERT's body first), so "what is set now" is not known.
    const stale = [...setOnSession].filter((k) => !mine.includes(k));
    for (const k of mine) setOnSession.add(k);
    if (stale.length === 0) return params;
    return { ...params, query: `${stale.map((k) => `SET ${k} = DEFAULT`).join('; ')}; ${params.query}` };
  };
  return new Proxy(connection, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== 'function') return value;
      if (prop === 'query' || prop === 'exec' || prop === 'command' || prop === 'insert') {
        return (params: Params) => value.call(target, scoped(params));
      }
      return value.bind(target);
    },
  });
}
