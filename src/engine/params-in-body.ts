import type { ClickHouseClient, CommandParams, CommandResult, QueryParams } from '@clickhouse/client';

/**
 * Query parameters out of the URL, for every query a server gets (docs/engines.md, "Query parameters, HTTP limits and secrets").
 *
 * @clickhouse/client sends `query_params` in the URL. ClickHouse caps the URI at `http_max_uri_size` (1 MiB) and
 * each value at `http_max_field_value_size` (128 KiB), a proxy or a load balancer at 8–16 KB, and URLs end up in
 * logs (ClickHouse's HTTP handler logs the request URI at trace level; proxies log it): the planned keys of a
 * large batch do not fit, and the s3() credentials must not be there. So:
 *
 * - every query and command with parameters goes as multipart/form-data: the SQL and each `param_*` a part of the
 *   body (clickhouse-js `use_multipart_params`, which only its query path has: a command goes through the
 *   connection's query, with no FORMAT clause, and its empty answer is drained);
 * - an array parameter longer than a part may be is split into several (`{keys:Array(String)}` becomes
 *   `arrayConcat({keys__0:Array(String)}, {keys__1:Array(String)}, …)` in the SQL), each within the limit.
 * Settings, the database and the query id stay in the URL: nothing secret, and small.
 */
export const MAX_PARAM_BYTES = 96 * 1024;

/**
 * The size of a value as the client formats it (`['a','b']`, quotes and backslashes escaped), from above: JSON's
 * escaping is the same but for single quotes, which ClickHouse's escapes too. A margin stays under the limit.
 */
function formattedBytes(value: unknown): number {
  const json = JSON.stringify(value) ?? '';
  return Buffer.byteLength(json) + (json.match(/'/g)?.length ?? 0);
}

type Settings = NonNullable<QueryParams['clickhouse_settings']>;

/** The connection under the client: its query() sends the SQL as given, where the client's appends a FORMAT clause. */
type MultipartConnection = {
  query(params: Record<string, unknown>): Promise<{
    stream: AsyncIterable<unknown>;
    query_id: string;
    response_headers: CommandResult['response_headers'];
  }>;
};

/**
 * @param settings the client's own `clickhouse_settings`: a command goes to the connection directly (below), and
 *   the client would otherwise have added them.
 */
export function withParamsInBody(client: ClickHouseClient, settings: Settings = {}): ClickHouseClient {
  const query = client.query.bind(client);
  const command = client.command.bind(client);
  const connection = (client as unknown as { connection?: MultipartConnection }).connection;
  if (typeof connection?.query !== 'function')
    throw new Error('@clickhouse/client: no connection.query (a version this code was not written for)');
  const split = <T extends { query: string; query_params?: Record<string, unknown> }>(p: T): T => {
    if (!p.query_params || Object.keys(p.query_params).length === 0) return p;
    const { sql, params } = splitLargeParams(p.query, p.query_params);
    return { ...p, query: sql, query_params: params };
  };
  Object.assign(client, {
    query: (p: QueryParams) => query({ ...split(p), use_multipart_params: true } as QueryParams),
    command: async (p: CommandParams): Promise<CommandResult> => {
      if (!p.query_params || Object.keys(p.query_params).length === 0) return command(p);
      // Only the client's query() sends multipart, and it appends `FORMAT …`, which a lightweight DELETE refuses
      // (a syntax error at the FORMAT): the connection's query() takes the SQL as it is.
      const s = split(p);
      const result = await connection.query({
        query: s.query.trim().replace(/;+$/, ''),
        query_params: s.query_params,
        clickhouse_settings: { ...settings, ...p.clickhouse_settings },
        query_id: p.query_id,
        session_id: p.session_id,
        abort_signal: p.abort_signal,
        role: p.role,
        auth: p.auth,
        http_headers: p.http_headers,
        use_multipart_params: true,
      });
      for await (const _ of result.stream) {
        // The answer of a command is empty; drained so the socket returns to the pool.
      }
      return { query_id: result.query_id, response_headers: result.response_headers } as CommandResult;
    },
  });
  return client;
}

/** Splits each array parameter whose formatted value would exceed MAX_PARAM_BYTES, rewriting the SQL to match. */
export function splitLargeParams(
  sql: string,
  params: Record<string, unknown>,
): { sql: string; params: Record<string, unknown> } {
  let out = sql;
  const next: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) {
    if (!Array.isArray(value) || formattedBytes(value) <= MAX_PARAM_BYTES) {
      next[name] = value;
      continue;
    }
    const chunks = chunkByBytes(value);
    const placeholder = new RegExp(`\\{${name}:(Array\\([^{}]*\\))\\}`, 'g');
    out = out.replace(
      placeholder,
      (_m, type: string) => `arrayConcat(${chunks.map((_, i) => `{${name}__${i}:${type}}`).join(', ')})`,
    );
    chunks.forEach((c, i) => {
      next[`${name}__${i}`] = c;
    });
  }
  return { sql: out, params: next };
}

function chunkByBytes(values: unknown[]): unknown[][] {
  const chunks: unknown[][] = [];
  let current: unknown[] = [];
  let bytes = 2;
  for (const v of values) {
    const size = formattedBytes([v]) - 1;
    if (current.length > 0 && bytes + size > MAX_PARAM_BYTES) {
      chunks.push(current);
      current = [];
      bytes = 2;
    }
    current.push(v);
    bytes += size;
  }
  chunks.push(current);
  return chunks;
}
