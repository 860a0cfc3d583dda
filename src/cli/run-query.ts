import type { Runtime } from '../runtime-types.js';

const FORMAT_NAME = /^[A-Za-z][A-Za-z0-9]*$/;
const RETURNS_ROWS = /^\(*\s*(SELECT|WITH|SHOW|DESC|DESCRIBE|EXPLAIN|EXISTS|CHECK)\b/i;

/**
 * `xapi-etl query`: runs SQL in CLICKHOUSE_DATABASE and returns ClickHouse's own output in the format
 * asked for (any ClickHouse output format name); the default is a readable table.
 */
export async function runQuery(
  rt: Runtime,
  sql: string,
  options: { format?: string; params?: Record<string, string> } = {},
): Promise<string> {
  const format = options.format ?? 'PrettyCompactMonoBlock';
  if (!FORMAT_NAME.test(format))
    throw new Error(`--format must be a ClickHouse format name, got "${format}"`);
  const statement = sql.trim().replace(/;+\s*$/, '');
  if (!RETURNS_ROWS.test(statement)) {
    await rt.engine.client.command({ query: statement, query_params: options.params });
    return '';
  }
  const hasFormat = /\bFORMAT\s+[A-Za-z]+\s*$/i.test(statement);
  const result = await rt.engine.client.exec({
    query: hasFormat ? statement : `${statement}\nFORMAT ${format}`,
    query_params: options.params,
  });
  const chunks: Buffer[] = [];
  for await (const chunk of result.stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString('utf8');
}
