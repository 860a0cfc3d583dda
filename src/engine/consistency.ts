import type { ClickHouseSettings } from '@clickhouse/client';
import type { AppConfig } from '../config/env.js';

/**
 * Read-your-writes, per engine (docs/engines.md, "The table"). A load writes (claims, rows, per-load keys, ledger) and reads
 * back right away (its claim, its counts, the keys it touched, the state below the one it refreshes); other loads
 * read what it wrote (claims, voids). Each HTTP request may reach another replica, and replicas see new parts
 * asynchronously, so:
 *
 * - embedded, one server: nothing to do (one node sees its writes);
 * - ClickHouse Cloud (`CLICKHOUSE_CLOUD`): every SharedMergeTree insert is a quorum insert; a read with
 *   `select_sequential_consistency = 1` first brings the replica's parts up to date from Keeper. Set on every
 *   query of the client: a Keeper round trip per query, what ClickHouse documents for HTTP behind a load balancer;
 * - a replicated cluster (`CLICKHOUSE_CLUSTER`): inserts wait for a majority of replicas (`insert_quorum =
 *   'auto'`, sequentially: `insert_quorum_parallel = 0`, which sequential reads require) and every read has
 *   `select_sequential_consistency = 1`, served only by a replica holding every quorum insert.
 * Point CLICKHOUSE_HOST at one replica instead (not a load balancer) and set `CLICKHOUSE_CONSISTENCY=pinned` to
 * skip both: one node sees its own writes.
 */
export function readYourWrites(config: AppConfig): ClickHouseSettings {
  if (config.consistency === 'pinned' || config.engine.kind !== 'server') return {};
  if (config.cloud) return { select_sequential_consistency: '1' };
  if (config.cluster) {
    return { select_sequential_consistency: '1', insert_quorum: 'auto', insert_quorum_parallel: 0 };
  }
  return {};
}
