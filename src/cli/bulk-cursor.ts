import { createHash } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { type Continuation, continuationSchema } from '../requests/bulk-request.js';

/**
 * A stopped backfill resumes where it stopped when the same request runs again (`xapi-etl bulk` after
 * --time-budget or Ctrl-C): its continuation is kept in `bulk_run_cursors`, keyed by a hash of the
 * request. Without it, a forced backfill cut by its budget started over on every run and never finished.
 */
export interface BulkRequest {
  bucket: string;
  prefix: string;
  /** undefined: every section under the prefix. */
  sections?: string[];
  startDate?: string;
  endDate?: string;
  force: boolean;
}

export function bulkRequestKey(r: BulkRequest): string {
  return createHash('sha256')
    .update(JSON.stringify(normalise(r)))
    .digest('hex');
}

function normalise(r: BulkRequest) {
  return {
    bucket: r.bucket,
    prefix: r.prefix,
    sections: r.sections ? [...new Set(r.sections)].sort() : null,
    start_date: r.startDate ?? null,
    end_date: r.endDate ?? null,
    force: r.force,
  };
}

export async function readCursor(
  client: ClickHouseClient,
  r: BulkRequest,
): Promise<Continuation | undefined> {
  const rs = await client.query({
    query: 'SELECT continuation FROM bulk_run_cursors FINAL WHERE request_key = {key:String}',
    query_params: { key: bulkRequestKey(r) },
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ continuation: string }>();
  if (!row?.continuation) return undefined;
  const parsed = continuationSchema.safeParse(JSON.parse(row.continuation));
  return parsed.success ? parsed.data : undefined;
}

/** Records where the run stopped, or (undefined) that it completed. */
export async function saveCursor(
  client: ClickHouseClient,
  r: BulkRequest,
  continuation: Continuation | undefined,
): Promise<void> {
  await client.insert({
    table: 'bulk_run_cursors',
    format: 'JSONEachRow',
    values: [
      {
        request_key: bulkRequestKey(r),
        request: JSON.stringify(normalise(r)),
        continuation: continuation ? JSON.stringify(continuation) : '',
      },
    ],
  });
}
