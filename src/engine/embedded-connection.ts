import fs from 'node:fs';
import type { ClickHouseClient } from '@clickhouse/client';
import { createClient } from '@clickhouse/client';
import { EngineBusyError, EngineError } from '../errors.js';
import { importOptional } from '../optional-package.js';
import { type LockHolder, lockHolder } from './data-dir-lock.js';
import { perQuerySettings } from './per-query-settings.js';

type ClientConnection = NonNullable<Parameters<typeof createClient>[0]>['connection'];

export interface EmbeddedOpenOptions {
  /** How long to wait for another process holding the data directory. */
  lockWaitMs: number;
  /** Called once when the directory is busy and the wait starts (the CLI prints it). */
  onWait?: (message: string) => void;
}

/**
 * The embedded engine: chDB (ClickHouse in-process) behind @clickhouse/client's connection hook.
 * Imported lazily so that the Lambda bundle never contains chDB: it only loads when
 * CLICKHOUSE_HOST is unset, which the Lambda configuration refuses.
 */
export async function openEmbeddedClient(
  dataDir: string,
  options: EmbeddedOpenOptions | number,
): Promise<ClickHouseClient> {
  const { lockWaitMs, onWait } = typeof options === 'number' ? { lockWaitMs: options } : options;
  const chdb = await importOptional(
    'chdb',
    'The embedded engine (no CLICKHOUSE_HOST set)',
    () => import('chdb/connection'),
  );
  fs.mkdirSync(dataDir, { recursive: true });

  // chDB allows one process per data directory. Another xapi-etl command holding it is normal (a demo
  // running while you query): wait quietly for a bounded time, then explain instead of a stack trace.
  const deadline = Date.now() + lockWaitMs;
  let announced = false;
  let holder: LockHolder | undefined;
  for (;;) {
    holder = lockHolder(dataDir);
    if (!holder) {
      try {
        // chDB types its connection against @clickhouse/client-common, the client against its own copy of
        // the same interface: structurally identical, nominally different.
        const connection = perQuerySettings(
          chdb.createChdbConnection({ path: dataDir }),
        ) as unknown as ClientConnection;
        return createClient({ connection });
      } catch (cause) {
        if (!isLockError(cause)) {
          throw new EngineError(`Could not open the embedded engine in ${dataDir}`, {
            retryable: false,
            cause,
          });
        }
        // Taken between our look and our try (or the holder's PID is not visible to us): wait as well.
      }
    }
    if (Date.now() >= deadline) {
      throw new EngineBusyError(
        `The embedded data directory ${dataDir} is in use by another process${describe(holder)} ` +
          `(waited ${Math.round(lockWaitMs / 1000)} s; XAPI_ETL_LOCK_WAIT_MS sets how long). Wait for it to finish, ` +
          'or point XAPI_ETL_DATA_DIR at another directory. (chDB allows one process per data directory.)',
      );
    }
    if (!announced) {
      announced = true;
      onWait?.(
        `waiting for ${dataDir}: in use by another process${describe(holder)} (up to ${Math.round(lockWaitMs / 1000)} s)`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function describe(holder: LockHolder | undefined): string {
  if (!holder) return '';
  return ` (pid ${holder.pid}${holder.command ? `: ${holder.command}` : ''})`;
}

function isLockError(error: unknown): boolean {
  const text = `${error instanceof Error ? error.message : ''} ${String((error as { cause?: unknown })?.cause ?? '')}`;
  return /Cannot lock file|CANNOT_OPEN_FILE|Failed to create connection/.test(text);
}
