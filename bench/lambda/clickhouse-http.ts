/**
 * Benchmark-only: the embedded engine (chDB) behind a minimal ClickHouse HTTP interface, in its own
 * process, so the BUILT Lambda handler can run as in AWS — engine elsewhere, reached over HTTP
 * (CLICKHOUSE_HOST) — and its process's memory is the coordinator's alone. It implements what
 * @clickhouse/client sends: /ping, a query in the body, an INSERT named in `query=` with rows in the body,
 * `param_*` query parameters, `database`, and settings as URL parameters.
 * Usage: node --import tsx bench/lambda/clickhouse-http.ts DATA_DIR DATABASE → prints `RESULT {"port":…}`.
 */
import fs from 'node:fs';
import http from 'node:http';
import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { migrate } from '../../src/schema/migrate.js';

const [dataDir = '', database = 'bench'] = process.argv.slice(2);
if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database)) throw new Error('bad database name');
const connection = createChdbConnection({ path: dataDir });
// The migration runs through the same engine before serving, as `xapi-etl migrate` would.
const client = createClient({ connection: connection as never });
await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
await client.command({ query: `USE ${database}` });
await migrate(client);

/** URL parameters that are not settings. */
const NOT_SETTINGS = new Set(['query', 'query_id', 'database', 'session_id', 'default_format', 'role']);

/**
 * clickhouse-js sends a String parameter escaped (\\ \' \t \n \r); chDB's binder escapes the value it is
 * given, so a String parameter is unescaped first. Other types (arrays, UUIDs, numbers) go as written.
 */
function unescapeString(v: string): string {
  return v.replace(/\\([\\'tnr])/g, (_, c: string) => ({ t: '\t', n: '\n', r: '\r' })[c] ?? c);
}

function queryParams(sql: string, url: URL): Record<string, string> {
  const types = new Map([...sql.matchAll(/\{(\w+):([^{}]+)\}/g)].map((m) => [m[1], (m[2] ?? '').trim()]));
  const params: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    if (!name.startsWith('param_')) continue;
    const key = name.slice('param_'.length);
    params[key] = /^(Nullable\()?(LowCardinality\()?String\)*$/.test(types.get(key) ?? '')
      ? unescapeString(value)
      : value;
  }
  return params;
}

function settings(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of url.searchParams) {
    if (!NOT_SETTINGS.has(name) && !name.startsWith('param_')) out[name] = value;
  }
  return out;
}

async function body(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

let queue = Promise.resolve();

// Query parameters travel in the URL (planned keys, ETags): allow what ClickHouse allows (http_max_uri_size, 1 MiB).
const server = http.createServer({ maxHeaderSize: 1024 * 1024 }, (req, res) => {
  // One statement at a time, as one session would run them.
  queue = queue.then(() => serve(req, res)).catch(() => undefined);
});

async function serve(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  try {
    if (url.pathname === '/ping') {
      res.end('Ok.\n');
      return;
    }
    const insertSql = url.searchParams.get('query');
    const text = await body(req);
    const sql = insertSql ?? text;
    const common = { query_params: queryParams(sql, url), clickhouse_settings: settings(url) };
    if (insertSql) {
      await connection.insert({ query: insertSql, values: text, ...common } as never);
      res.end();
      return;
    }
    const result = await connection.query({ query: sql, ...common } as never);
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' });
    for await (const chunk of result.stream) res.write(chunk);
    res.end();
  } catch (error) {
    const e = error as { code?: string; type?: string; message?: string };
    res.writeHead(500, { 'X-ClickHouse-Exception-Code': String(e.code ?? 1000) });
    res.end(`Code: ${e.code ?? 1000}. DB::Exception: ${e.message}. (${e.type ?? 'UNKNOWN_EXCEPTION'})\n`);
  }
}

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  // The engine's peak from here on is what loads cost, not start-up.
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
  } catch {
    // not Linux: the orchestrator reads VmHWM since start instead
  }
  process.stdout.write(
    `RESULT ${JSON.stringify({ port: typeof address === 'object' ? address?.port : 0 })}\n`,
  );
});
