import type { ClickHouseClient } from '@clickhouse/client';
import { createClient } from '@clickhouse/client';
import type { AppConfig } from '../config/env.js';
import { EngineError, errorMessage, registerSecret } from '../errors.js';
import type { SchemaTarget } from '../schema/render.js';
import { resolvePassword } from './password.js';

export interface Engine {
  client: ClickHouseClient;
  kind: 'embedded' | 'server';
  database: string;
  /** Cluster name for ON CLUSTER / s3Cluster(), when configured. */
  cluster?: string;
  /** Where migrations create the schema: one node, a replicated cluster, or shards. */
  schema: SchemaTarget;
  close(): Promise<void>;
}

/**
 * The one place that decides which ClickHouse we talk to. Everything downstream uses
 * `engine.client` (@clickhouse/client) and does not care whether it is chDB or a server.
 */
export async function createEngine(config: AppConfig): Promise<Engine> {
  const { engine: ec, database } = config;
  let client: ClickHouseClient;
  if (ec.kind === 'embedded') {
    const { openEmbeddedClient } = await import('./embedded-connection.js');
    client = await openEmbeddedClient(ec.dataDir, ec.lockWaitMs);
    // chDB ignores the client's `database` option; the session database is set with USE instead.
    await client.command({ query: `CREATE DATABASE IF NOT EXISTS ${database}` });
    await client.command({ query: `USE ${database}` });
  } else {
    const password = await resolvePassword(ec);
    registerSecret(password);
    client = createClient({
      url: ec.url,
      username: ec.username,
      password: password ?? '',
      database,
      request_timeout: ec.requestTimeoutMs,
      application: 'xapi-etl',
      // A load is one long INSERT with no output: progress headers (one a minute, so they never overflow
      // Node's header limit) keep load balancers, ClickHouse Cloud's included, from closing the idle connection.
      clickhouse_settings: {
        send_progress_in_http_headers: 1,
        http_headers_progress_interval_ms: '60000',
        // Sharded: a row written through a Distributed table is on its shard when the INSERT returns, so the
        // ledger, the analytics refresh and the next read see it (the default queues it in the background).
        ...(config.sharded ? { distributed_foreground_insert: 1 } : {}),
      },
    });
    await assertReachable(client, ec.url);
  }
  return {
    client,
    kind: ec.kind,
    database,
    cluster: config.cluster,
    schema: { cluster: config.cluster, sharded: config.sharded },
    close: () => client.close(),
  };
}

async function assertReachable(client: ClickHouseClient, url: string): Promise<void> {
  const result = await client.ping();
  if (!result.success) {
    throw new EngineError(`ClickHouse at ${url} is unreachable: ${errorMessage(result.error)}`, {
      cause: result.error,
    });
  }
}
