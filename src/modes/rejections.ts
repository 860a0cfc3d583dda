import type { ClickHouseClient } from '@clickhouse/client';

/** Rejected lines per reason code, most frequent first. */
export type RejectionCounts = Record<string, number>;

/**
 * Why the lines of these loads were rejected: `rejected_statements` by reason for the given load ids
 * (a load id is one INSERT, so its rows are not duplicated and need no FINAL).
 */
export async function rejectionsByReason(
  client: ClickHouseClient,
  loadIds: Iterable<string | undefined>,
): Promise<RejectionCounts> {
  const ids = [...new Set([...loadIds].filter((id): id is string => Boolean(id)))];
  if (ids.length === 0) return {};
  const rs = await client.query({
    query: `SELECT reason, count() AS lines FROM rejected_statements
            WHERE load_id IN {ids:Array(UUID)} GROUP BY reason ORDER BY lines DESC, reason`,
    query_params: { ids },
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ reason: string; lines: string | number }>();
  return Object.fromEntries(rows.map((r) => [r.reason, Number(r.lines)]));
}

/** `invalid_json 3, empty_line 1`, or '' when nothing was rejected. */
export function formatRejections(counts: RejectionCounts): string {
  return Object.entries(counts)
    .map(([reason, n]) => `${reason} ${n}`)
    .join(', ');
}
