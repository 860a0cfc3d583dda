import type { ClickHouseClient } from '@clickhouse/client';
import { ClickHouseLogLevel, createClient } from '@clickhouse/client';
import type { AppConfig } from '../config/env.js';
import { EngineError, errorMessage, registerSecret } from '../errors.js';
import type { SchemaTarget } from '../schema/render.js';
import { readYourWrites } from './consistency.js';
import { withParamsInBody } from './params-in-body.js';
import { resolvePassword } from './password.js';

export interface Engine {
  client: ClickHouseClient;
  kind: 'embedded' | 'server';
  database: string;
  /** Cluster name for ON CLUSTER / s3Cluster(), when configured. */
  cluster?: string;
  /** Where migrations create the schema: one node, a replicated cluster, or shards. */
  schema: SchemaTarget;
  /**
   * A connection for watching or stopping a running query (progress, Ctrl-C, time limits). chDB runs one
   * query at a time per connection, so the embedded engine opens a second one; a server's client serves
   * concurrent requests itself.
   */
  monitor(): Promise<ClickHouseClient>;
  close(): Promise<void>;
}

export interface EngineOptions {
  /** Told once when the embedded data directory is busy and the wait for it starts. */
  onEngineWait?: (message: string) => void;
}

/**
 * The one place that decides which ClickHouse we talk to. Everything downstream uses
 * `engine.client` (@clickhouse/client) and does not care whether it is chDB or a server.
 */
export async function createEngine(config: AppConfig, options: EngineOptions = {}): Promise<Engine> {
  const { engine: ec, database } = config;
  let client: ClickHouseClient;
  let monitor: () => Promise<ClickHouseClient>;
  let closeMonitor = async () => {};
  if (ec.kind === 'embedded') {
    const { openEmbeddedClient } = await import('./embedded-connection.js');
    client = await openEmbeddedClient(ec.dataDir, {
      lockWaitMs: ec.lockWaitMs,
      onWait: options.onEngineWait,
    });
    let second: Promise<ClickHouseClient> | undefined;
    monitor = () => {
      // In the same database: a cancelled batch records its failure through it (src/load/run-batch.ts).
      second ??= openEmbeddedClient(ec.dataDir, { lockWaitMs: 0 }).then(async (c) => {
        await c.command({ query: `USE ${database}` });
        return c;
      });
      return second;
    };
    closeMonitor = async () => {
      if (second) await (await second).close();
    };
    // chDB ignores the client's `database` option; the session database is set with USE instead.
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    await client.command({ query: `USE ${database}` });
  } else {
    const password = await resolvePassword(ec);
    registerSecret(password);
    const clientSettings = {
      // A load is one long INSERT with no output: progress headers (one a minute, so they never overflow
      // Node's header limit) keep load balancers, ClickHouse Cloud's included, from closing the idle connection.
      send_progress_in_http_headers: 1,
      http_headers_progress_interval_ms: '60000',
      // Sharded: a row written through a Distributed table is on its shard when the INSERT returns, so the
      // ledger, the analytics refresh and the next read see it (the default queues it in the background).
      ...(config.sharded ? { distributed_foreground_insert: 1 } : {}),
      // Claims, the ledger and the analytics read what this load (or another) has just written: never
      // through an async-insert buffer, and on replicas never from one that has not caught up.
      async_insert: 0,
      ...readYourWrites(config),
    } as const;
    // Every parameter in the request body, never the URL (src/engine/params-in-body.ts).
    client = withParamsInBody(
      createClient({
        url: ec.url,
        username: ec.username,
        password: password ?? '',
        database,
        request_timeout: ec.requestTimeoutMs,
        application: 'xapi-etl',
        // Failures come back to us as errors, said once and without the query text: the client's own log
        // would print each failed query (kilobytes of SQL) on stderr first.
        log: { level: ClickHouseLogLevel.OFF },
        clickhouse_settings: clientSettings,
      }),
      clientSettings,
    );
    await assertReachable(client, ec.url, ec.username);
    const sameClient = client;
    monitor = async () => sameClient;
  }
  return {
    client,
    kind: ec.kind,
    database,
    cluster: config.cluster,
    schema: {
      cluster: config.cluster,
      sharded: config.sharded,
      cloud: config.cloud,
      // Named literally in Distributed tables: on a remote host currentDatabase() may be another one.
      ...(ec.kind === 'server' ? { database } : {}),
    },
    monitor,
    close: async () => {
      await closeMonitor().catch(() => undefined);
      await client.close();
    },
  };
}

/**
 * A query, not just /ping: it checks that the server answers and that it accepts our credentials, so a
 * wrong password is reported at start, by name, instead of as the first load's failure.
 */
async function assertReachable(client: ClickHouseClient, url: string, username: string): Promise<void> {
  const result = await client.ping({ select: true });
  if (result.success) return;
  const text = errorMessage(result.error);
  if (/AUTHENTICATION_FAILED|Authentication failed|REQUIRED_PASSWORD|\b516\b/.test(text)) {
    throw new EngineError(
      `ClickHouse at ${url} refused the credentials of user "${username}" (AUTHENTICATION_FAILED): ` +
        'check CLICKHOUSE_USERNAME and CLICKHOUSE_PASSWORD (or CLICKHOUSE_PASSWORD_SECRET_ARN)',
      { retryable: false, cause: result.error },
    );
  }
  throw new EngineError(`ClickHouse at ${url} is unreachable: ${text}`, { cause: result.error });
}
