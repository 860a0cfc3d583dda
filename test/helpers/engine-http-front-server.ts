/**
 * Test infrastructure: the embedded engine (chDB) behind a small ClickHouse HTTP interface, with a user
 * and password, in its own process (chDB binds one data directory per process). The server path of our
 * code (CLICKHOUSE_HOST, credentials, the connection check, settings and query parameters sent over
 * HTTP) then runs against the real engine. It implements what @clickhouse/client sends: /ping, a query
 * in the body or in `query=`, INSERT rows in the body, `param_*` parameters, `database`, settings as URL
 * parameters, and Basic or X-ClickHouse-User/Key authentication, answered as ClickHouse answers.
 * Usage: node --import tsx engine-http-front-server.ts DATA_DIR USER PASSWORD → prints `PORT <n>`.
 */
import http from 'node:http';
import { createChdbConnection } from 'chdb/connection';
import { perQuerySettings } from '../../src/engine/per-query-settings.js';

const [dataDir = '', user = 'default', password = ''] = process.argv.slice(2);

interface Session {
  connection: ReturnType<typeof createChdbConnection>;
  database?: string;
  busy: boolean;
}
/** A few connections, so that a query can be watched or killed while another one runs. */
const pool: Session[] = Array.from({ length: 3 }, () => ({
  // Settings per request, as a server keeps them (chDB's adapter would keep them on the session).
  connection: perQuerySettings(createChdbConnection({ path: dataDir })),
  busy: false,
}));
const waiting: ((s: Session) => void)[] = [];

function acquire(): Promise<Session> {
  const free = pool.find((s) => !s.busy);
  if (free) {
    free.busy = true;
    return Promise.resolve(free);
  }
  return new Promise((resolve) => waiting.push(resolve));
}

function release(s: Session): void {
  const next = waiting.shift();
  if (next) next(s);
  else s.busy = false;
}

/** URL parameters that are not settings. */
const NOT_SETTINGS = new Set([
  'query',
  'query_id',
  'database',
  'session_id',
  'default_format',
  'role',
  'user',
  'password',
]);

/** clickhouse-js escapes a String parameter (\\ \' \t \n \r); chDB's binder takes the value itself. */
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

function credentials(req: http.IncomingMessage, url: URL): { user: string; password: string } {
  const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
  if (basic) {
    const [u = '', ...rest] = Buffer.from(basic[1] as string, 'base64')
      .toString('utf8')
      .split(':');
    return { user: u, password: rest.join(':') };
  }
  return {
    user: String(req.headers['x-clickhouse-user'] ?? url.searchParams.get('user') ?? 'default'),
    password: String(req.headers['x-clickhouse-key'] ?? url.searchParams.get('password') ?? ''),
  };
}

async function body(req: http.IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function fail(res: http.ServerResponse, status: number, code: number, type: string, message: string): void {
  res.writeHead(status, {
    'X-ClickHouse-Exception-Code': String(code),
    'Content-Type': 'text/plain; charset=UTF-8',
  });
  res.end(`Code: ${code}. DB::Exception: ${message}. (${type}) (version chDB behind the test front)\n`);
}

// Query parameters travel in the URL (planned keys, ETags): allow what ClickHouse allows (1 MiB).
const server = http.createServer({ maxHeaderSize: 1024 * 1024 }, async (req, res) => {
  const url = new URL(req.url ?? '/', 'http://localhost');
  if (url.pathname === '/ping') {
    res.end('Ok.\n');
    return;
  }
  const who = credentials(req, url);
  if (who.user !== user || who.password !== password) {
    await body(req);
    fail(
      res,
      401,
      516,
      'AUTHENTICATION_FAILED',
      `${who.user}: Authentication failed: password is incorrect, or there is no user with such name`,
    );
    return;
  }
  const insertSql = url.searchParams.get('query');
  const text = await body(req);
  const sql = insertSql && text ? insertSql : (insertSql ?? text);
  const session = await acquire();
  try {
    const database = url.searchParams.get('database') ?? undefined;
    if (database && database !== session.database) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(database))
        throw Object.assign(new Error(`bad database ${database}`), { code: 81 });
      await session.connection.command({
        query: `CREATE DATABASE IF NOT EXISTS ${database}`,
        query_id: '',
      } as never);
      await session.connection.command({ query: `USE ${database}`, query_id: '' } as never);
      session.database = database;
    }
    const common = { query_params: queryParams(sql, url), clickhouse_settings: settings(url) };
    if (insertSql && text) {
      await session.connection.insert({ query: insertSql, values: text, ...common } as never);
      res.end();
      return;
    }
    const result = await session.connection.query({ query: sql, ...common } as never);
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=UTF-8' });
    for await (const chunk of result.stream) res.write(chunk);
    res.end();
  } catch (error) {
    const e = error as { code?: string | number; type?: string; message?: string };
    fail(res, 500, Number(e.code ?? 1000) || 1000, e.type ?? 'UNKNOWN_EXCEPTION', String(e.message ?? error));
  } finally {
    release(session);
  }
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`PORT ${typeof address === 'object' ? address?.port : 0}\n`);
});
