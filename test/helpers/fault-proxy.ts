import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A fault-injecting HTTP proxy in front of a real server, on a free loopback port: s3rver (point
 * AWS_ENDPOINT_URL_S3 at it and both sides that talk to S3 — the SDK and ClickHouse's s3() reads — go through
 * it), or the engine's HTTP front (point CLICKHOUSE_HOST at it: a rule can match a query by its text, which
 * clickhouse-js sends in the request body). Test infrastructure: it never answers for the server, it only
 * breaks the server's answers.
 */
export type FaultAction =
  /** Answer with this HTTP status (an S3-style XML error body) instead of forwarding. */
  | { kind: 'status'; status: number }
  /** Forward, but hold the response this long first. */
  | { kind: 'delay'; ms: number }
  /** Forward, send the headers and the first `bytes` of the body, then destroy the socket. */
  | { kind: 'cut'; bytes: number }
  /** Forward the body at about this many bytes a second (a slow network: a long load of little data). */
  | { kind: 'throttle'; bytesPerSecond: number };

export interface FaultRule {
  /** Which requests the rule applies to (default: all). */
  match?: (req: RequestInfo) => boolean;
  action: FaultAction;
  /** Skip the first `after` matching requests (default 0): "fail the Nth request" is `after: N - 1`. */
  after?: number;
  /** Apply to this many matching requests, then stop (default: forever). */
  times?: number;
}

export interface RequestInfo {
  method: string;
  /** The path and query, decoded as sent (e.g. `/xapi/section/1/video/a.jsonl`). */
  url: string;
  /** The request's Range header, when it reads part of an object. */
  range?: string;
  /** The request body as text (a ClickHouse query's SQL), up to its first 64 KiB. */
  body: string;
}

export interface FaultProxy {
  endpoint: string;
  port: number;
  /** Every request seen, in order, and what was done to it. */
  log: (RequestInfo & { fault?: FaultAction['kind'] })[];
  /** Replaces the rules (an empty list forwards everything untouched). */
  setRules(rules: FaultRule[]): void;
  /** Stops accepting connections: S3 is "down" for anything using this endpoint. */
  close(): Promise<void>;
}

export async function startFaultProxy(target: string): Promise<FaultProxy> {
  const upstream = new URL(target);
  let rules: { rule: FaultRule; seen: number; applied: number }[] = [];
  const log: FaultProxy['log'] = [];

  const pick = (info: RequestInfo): FaultAction | undefined => {
    for (const r of rules) {
      if (r.rule.match && !r.rule.match(info)) continue;
      r.seen += 1;
      if (r.seen <= (r.rule.after ?? 0)) continue;
      if (r.rule.times !== undefined && r.applied >= r.rule.times) continue;
      r.applied += 1;
      return r.rule.action;
    }
    return undefined;
  };

  const server = http.createServer(async (req, res) => {
    // Bodies are read whole before forwarding (requests here are small: queries, S3 reads and listings).
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const payload = Buffer.concat(chunks);
    const info: RequestInfo = {
      method: req.method ?? 'GET',
      url: req.url ?? '/',
      ...(typeof req.headers.range === 'string' ? { range: req.headers.range } : {}),
      body: payload.subarray(0, 65_536).toString('utf8'),
    };
    const action = pick(info);
    const { body: _body, ...shown } = info;
    log.push({ ...shown, body: '', ...(action ? { fault: action.kind } : {}) });
    if (action?.kind === 'status') {
      const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${action.status === 503 ? 'SlowDown' : 'InternalError'}</Code><Message>injected by the test proxy</Message></Error>`;
      res.writeHead(action.status, { 'content-type': 'application/xml', 'content-length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (up) => {
        const send = () => {
          res.writeHead(up.statusCode ?? 502, up.headers);
          if (action?.kind === 'throttle') {
            throttle(up, res, action.bytesPerSecond);
            return;
          }
          if (action?.kind !== 'cut') {
            up.pipe(res);
            return;
          }
          let sent = 0;
          up.on('data', (chunk: Buffer) => {
            if (sent >= action.bytes) return;
            const part = chunk.subarray(0, action.bytes - sent);
            sent += part.length;
            res.write(part);
            if (sent >= action.bytes) {
              up.destroy();
              res.socket?.destroy();
            }
          });
          up.on('end', () => res.end());
        };
        if (action?.kind === 'delay') setTimeout(send, action.ms);
        else send();
      },
    );
    forward.on('error', () => res.socket?.destroy());
    forward.end(payload);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    port,
    log,
    setRules(next) {
      rules = next.map((rule) => ({ rule, seen: 0, applied: 0 }));
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Writes `from` to `to` in slices of 1/20 s worth of bytes, pausing between them. */
function throttle(from: http.IncomingMessage, to: http.ServerResponse, bytesPerSecond: number): void {
  const slice = Math.max(1024, Math.floor(bytesPerSecond / 20));
  from.on('data', (chunk: Buffer) => {
    from.pause();
    let at = 0;
    const next = () => {
      if (at >= chunk.length || to.destroyed) {
        from.resume();
        return;
      }
      to.write(chunk.subarray(at, at + slice));
      at += slice;
      setTimeout(next, 50);
    };
    next();
  });
  from.on('end', () => {
    // The last slices may still be pending: end after them.
    const finish = () => (from.isPaused() ? setTimeout(finish, 20) : to.end());
    finish();
  });
}

/** Matches GET requests for object data (ClickHouse's reads), not HEAD or bucket listings. */
export const objectRead =
  (keyPart = '') =>
  (r: RequestInfo): boolean =>
    r.method === 'GET' &&
    !r.url.includes('list-type=') &&
    !/\?(.*&)?prefix=/.test(r.url) &&
    r.url.includes(keyPart);
