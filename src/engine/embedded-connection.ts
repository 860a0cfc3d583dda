import fs from 'node:fs';
import type { ClickHouseClient } from '@clickhouse/client';
import { createClient } from '@clickhouse/client';
import { EngineBusyError, EngineError } from '../errors.js';

type ClientConnection = NonNullable<Parameters<typeof createClient>[0]>['connection'];

/**
 * The embedded engine: chDB (ClickHouse in-process) behind @clickhouse/client's connection hook.
 * Imported lazily so that the Lambda bundle never contains chDB: it only loads when
 * CLICKHOUSE_HOST is unset, which the Lambda configuration refuses.
 */
export async function openEmbeddedClient(dataDir: string, lockWaitMs: number): Promise<ClickHouseClient> {
  let chdb: typeof import('chdb/connection');
  try {
    chdb = await import('chdb/connection');
  } catch (cause) {
    throw new EngineError(
      'The embedded engine needs the npm package "chdb" (run `npm install`), or set CLICKHOUSE_HOST to use a ClickHouse server.',
      { retryable: false, cause },
    );
  }
  fs.mkdirSync(dataDir, { recursive: true });

  // chDB allows one process per data directory. Another xapi-etl command holding it is normal
  // (a demo running while you query): wait a bounded time, then explain instead of a stack trace.
  const deadline = Date.now() + lockWaitMs;
  for (;;) {
    try {
      // chDB types its connection against @clickhouse/client-common, the client against its own copy of
      // the same interface: structurally identical, nominally different.
      const connection = chdb.createChdbConnection({ path: dataDir }) as unknown as ClientConnection;
      return createClient({ connection });
    } catch (cause) {
      if (!isLockError(cause)) {
        throw new EngineError(`Could not open the embedded engine in ${dataDir}`, {
          retryable: false,
          cause,
        });
      }
      if (Date.now() >= deadline) {
        throw new EngineBusyError(
          `The embedded data directory ${dataDir} is in use by another xapi-etl process ` +
            `(waited ${Math.round(lockWaitMs / 1000)} s). Wait for it to finish, or point XAPI_ETL_DATA_DIR ` +
            'at another directory. (chDB allows one process per data directory.)',
          { cause },
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

function isLockError(error: unknown): boolean {
  const text = `${error instanceof Error ? error.message : ''} ${String((error as { cause?: unknown })?.cause ?? '')}`;
  return /Cannot lock file|CANNOT_OPEN_FILE|Failed to create connection/.test(text);
}
