import type { ClickHouseClient } from '@clickhouse/client';
import type { SchemaTarget } from '../schema/render.js';
import { SHARDED_LOOKUP_SETTINGS } from '../schema/render.js';

/**
 * Open edX Aspects as a target (XAPI_ASPECTS_TABLE=db.table, docs/aspects.md): every statement a load wrote is also
 * written into a table of Aspects' raw shape, `(event_id UUID, emission_time DateTime64(6), event String)`, where
 * Aspects' own materialized views take it from (its xapi_events_all). Read back from `statements` (the rows this
 * load wrote: load_statements names their sections and days), never from S3 a second time.
 *
 * Once per statement: a statement the table already holds is not written again, so a re-delivery, a retry, a
 * takeover or a forced reload writes nothing twice, and Aspects' views fire once. The table itself is the record of
 * what was forwarded (looked up by its key, emission_time and event_id), so a load that died between this step and
 * its ledger write forwards, when retried, only what is missing. It runs after the load's INSERT and before the
 * file is recorded as loaded: a file is never `loaded` with its statements not forwarded.
 *
 * `emission_time` is the statement's timestamp (else stored, else the time its key names), as the raw tables keep
 * it; `event` is the statement as it was in the file (the envelope's field, for XAPI_STATEMENT_FIELD).
 */
export async function forwardToAspects(
  client: ClickHouseClient,
  table: string,
  loadIds: string[],
  options: { schema?: SchemaTarget; marker?: string } = {},
): Promise<void> {
  if (loadIds.length === 0) return;
  await client.command({
    query: forwardSql(table),
    query_params: { load_ids: loadIds },
    clickhouse_settings: {
      ...(options.schema?.sharded ? SHARDED_LOOKUP_SETTINGS : {}),
      ...(options.marker ? { log_comment: options.marker } : {}),
      // Aspects' table may be anyone's: its views must see each block once, never a retried duplicate.
      async_insert: 0,
    },
  });
}

/** `table` was validated as `database.table` of plain identifiers (src/config/env.ts). */
export function forwardSql(table: string): string {
  const loaded = `
        SELECT statement_id, toDateTime64(timestamp, 6, 'UTC') AS emission_time, raw
        FROM statements
        WHERE (section_id, statement_date) IN
              (SELECT DISTINCT section_id, statement_date FROM load_statements WHERE load_id IN {load_ids:Array(UUID)})
          AND load_id IN {load_ids:Array(UUID)}`;
  return `
INSERT INTO ${table} (event_id, emission_time, event)
SELECT statement_id, emission_time, raw
FROM (${loaded}
) AS l
WHERE (emission_time, statement_id) NOT IN (
    SELECT emission_time, event_id FROM ${table}
    WHERE (emission_time, event_id) IN (SELECT emission_time, statement_id FROM (${loaded}
    )))
ORDER BY emission_time, statement_id
LIMIT 1 BY statement_id`;
}
