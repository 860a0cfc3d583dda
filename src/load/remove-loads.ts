import type { ClickHouseClient } from '@clickhouse/client';
import { onClusterClause, type SchemaTarget } from '../schema/render.js';

/**
 * Removes the rows earlier loads of a file wrote (every row carries its load id), before a forced reload,
 * a retry or a takeover writes the file again: the raw tables then hold exactly one load of each file, not
 * only their FINAL view. Lightweight DELETEs, synchronous (`lightweight_deletes_sync = 2`: done on every
 * replica when it returns), limited to the files' sections: the primary key and the partition (a bucket of
 * sections) bound what each one reads.
 */
export const TABLES_WITH_LOAD_ROWS = [
  'statements',
  'video_events',
  'voided_statements',
  'rejected_statements',
];

export async function removeLoads(
  client: ClickHouseClient,
  loads: { loadIds: string[]; sections: string[] },
  options: { schema?: SchemaTarget; marker?: string } = {},
): Promise<void> {
  const schema = options.schema ?? {};
  if (loads.loadIds.length === 0) return;
  for (const table of TABLES_WITH_LOAD_ROWS) {
    // Sharded: a Distributed table takes no DELETE; each shard deletes from its own part. (The cluster name
    // was validated as a plain name with the configuration.)
    const onCluster = onClusterClause(schema);
    const target = schema.sharded ? `${table}_local${onCluster}` : table;
    await client.command({
      query: `DELETE FROM ${target} WHERE section_id IN {sections:Array(String)} AND load_id IN {ids:Array(UUID)}`,
      query_params: { sections: loads.sections, ids: loads.loadIds },
      clickhouse_settings: {
        lightweight_deletes_sync: '2',
        ...(options.marker ? { log_comment: options.marker } : {}),
      },
    });
  }
}
