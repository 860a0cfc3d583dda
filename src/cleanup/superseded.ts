import type { ClickHouseClient } from '@clickhouse/client';

/**
 * The loads a reload, a retry or a takeover replaced (issue #20: no mutation on the load path). The load that
 * replaces them writes its own rows, which replace theirs by each table's key (ReplacingMergeTree: a statement
 * in one section and day, a rejected line of one file version), and records them here once its INSERT has
 * committed. What is left of them is deleted later, in batches, by src/cleanup/cleanup.ts.
 */
export interface SupersededLoad {
  loadId: string;
  sectionId: string;
  supersededBy: string;
}

export async function recordSuperseded(client: ClickHouseClient, loads: SupersededLoad[]): Promise<void> {
  if (loads.length === 0) return;
  await client.insert({
    table: 'superseded_loads',
    values: loads.map((l) => ({ load_id: l.loadId, section_id: l.sectionId, superseded_by: l.supersededBy })),
    format: 'JSONEachRow',
    // A claim-like write that the cleanup reads back: never buffered (the client default says so too).
    clickhouse_settings: { async_insert: 0 },
  });
}

/** The raw tables every row of which carries its load id, and the column their partition (a month) is of. */
export const TABLES_WITH_LOAD_ROWS: ReadonlyArray<readonly [table: string, monthOf: string]> = [
  ['statements', 'statement_date'],
  ['video_events', 'statement_date'],
  ['voided_statements', 'statement_date'],
  ['rejected_statements', 'source_time'],
];
