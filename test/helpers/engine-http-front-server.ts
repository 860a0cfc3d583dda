/**
 * Test infrastructure: the embedded engine (chDB) behind a small ClickHouse HTTP interface, with a user
 * and password, in its own process (chDB binds one data directory per process). The server path of our
 * code (CLICKHOUSE_HOST, credentials, the connection check, settings and query parameters sent over
 * HTTP) then runs against the real engine. It implements what @clickhouse/client sends: /ping, a query
 * in the body or in `query=`, a multipart/form-data body (the query and `param_*` parts), INSERT rows in
 * the body, `param_*` parameters, `database`, settings as URL parameters, and Basic or X-ClickHouse-User/Key
 * authentication, answered as ClickHouse answers.
 *
 * It refuses what ClickHouse's HTTP handler refuses, with the same limits and words
 * (src/Server/HTTP/HTMLForm.cpp, HTTPServerRequest.cpp): a URI over `http_max_uri_size` (1 MiB), a URL
 * parameter or multipart field value over `http_max_field_value_size` (128 KiB), more than `http_max_fields`
 * fields. With FRONT_CAPTURE=FILE it appends every request's method, URI and headers as a JSON line (the
 * tests look for secrets there).
 * Usage: node --import tsx engine-http-front-server.ts DATA_DIR USER PASSWORD → prints `PORT <n>`.
 */
import fs from 'node:fs';
import http from 'node:http';
import { createChdbConnection } from 'chdb/connection';
import { perQuerySettings } from '../../src/engine/per-query-settings.js';

const [dataDir = '', user = 'default', initialPassword = ''] = process.argv.slice(2);
/** ClickHouse's own rotation, `ALTER USER <user> IDENTIFIED BY '<new>'`, changes it (as the server does). */
let password = initialPassword;

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

/** ClickHouse's defaults (Settings.cpp): http_max_uri_size, http_max_field_value_size, http_max_fields. */
export const HTTP_LIMITS = { maxUriSize: 1_048_576, maxFieldValueSize: 131_072, maxFields: 1_000_000 };

class HttpLimitError extends Error {}

function queryParams(sql: string, fields: [string, string][]): Record<string, string> {
  const types = new Map([...sql.matchAll(/\{(\w+):([^{}]+)\}/g)].map((m) => [m[1], (m[2] ?? '').trim()]));
  const params: Record<string, string> = {};
  for (const [name, value] of fields) {
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

/** The URI's fields, checked as HTMLForm::readQuery checks them. */
function uriFields(url: URL): [string, string][] {
  const fields = [...url.searchParams];
  if (fields.length > HTTP_LIMITS.maxFields) throw new HttpLimitError('Too many form fields');
  for (const [, value] of fields) {
    if (encodeURIComponent(value).length > HTTP_LIMITS.maxFieldValueSize)
      throw new HttpLimitError('Field value too long');
  }
  return fields;
}

/** A multipart/form-data body's fields (HTMLForm::readMultipart), each value within the same limit. */
function multipartFields(text: string, boundary: string): [string, string][] {
  const fields: [string, string][] = [];
  for (const part of text.split(`--${boundary}`).slice(1)) {
    if (part.startsWith('--')) break;
    const at = part.indexOf('\r\n\r\n');
    const name = /name="([^"]*)"/.exec(part.slice(0, at))?.[1] ?? '';
    const value = part.slice(at + 4).replace(/\r\n$/, '');
    if (Buffer.byteLength(value) > HTTP_LIMITS.maxFieldValueSize)
      throw new HttpLimitError('Field value too long');
    fields.push([name, value]);
  }
  return fields;
}

const capture = process.env.FRONT_CAPTURE;

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

// Node's own header limit is set above ClickHouse's URI limit, so that ClickHouse's limits are the ones applied.
const server = http.createServer({ maxHeaderSize: 2 * 1024 * 1024 }, async (req, res) => {
  if (capture) {
    fs.appendFileSync(
      capture,
      `${JSON.stringify({ method: req.method, uri: req.url, headers: req.headers })}\n`,
    );
  }
  if ((req.url ?? '').length > HTTP_LIMITS.maxUriSize) {
    await body(req);
    // HTTPServerRequest: the request is refused before any handler sees it.
    res.writeHead(400, { 'Content-Type': 'text/plain; charset=UTF-8' });
    res.end('HTTP request URI exceeds limit\n');
    return;
  }
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
  const text = await body(req);
  let fields: [string, string][];
  try {
    fields = uriFields(url);
    const boundary = /multipart\/form-data;\s*boundary=(\S+)/.exec(req.headers['content-type'] ?? '')?.[1];
    if (boundary) fields = [...fields, ...multipartFields(text, boundary)];
  } catch (error) {
    if (!(error instanceof HttpLimitError)) throw error;
    fail(res, 400, 1000, 'POCO_EXCEPTION', `HTMLForm: ${error.message}`);
    return;
  }
  const multipart = /multipart\/form-data/.test(req.headers['content-type'] ?? '');
  const formQuery = fields.find(([n]) => n === 'query')?.[1];
  const insertSql = multipart ? null : url.searchParams.get('query');
  const sql = multipart ? (formQuery ?? '') : insertSql && text ? insertSql : (insertSql ?? text);
  const rotation = /^\s*ALTER\s+USER\s+`?(\w+)`?\s+IDENTIFIED\s+(?:WITH\s+\w+\s+)?BY\s+'([^']*)'\s*$/i.exec(
    sql,
  );
  if (rotation && rotation[1] === user) {
    password = rotation[2] ?? '';
    res.end();
    return;
  }
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
    const common = { query_params: queryParams(sql, fields), clickhouse_settings: settings(url) };
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
