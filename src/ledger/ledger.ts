import type { ClickHouseClient } from '@clickhouse/client';
import { defaultKeyLayout, type KeyLayout } from '../plan/key-layout.js';
import type { SourceObject } from '../plan/source-object.js';
import { VERSIONS, versionId, versionParams } from './file-version.js';

/**
 * The ingested_files ledger: one row per file version (bucket, key, ETag). ReplacingMergeTree keeps the
 * latest state per version; reads use FINAL. A version whose latest state is `loaded` is never loaded
 * again unless forced.
 */
export type FileStatus = 'loading' | 'loaded' | 'failed' | 'superseded';

export interface FileCounts {
  lines: number;
  statements: number;
  video_events: number;
  rejected: number;
}

/** The subset of `objects` whose exact version the ledger already records as loaded. */
export async function loadedVersions(
  client: ClickHouseClient,
  objects: SourceObject[],
): Promise<Set<string>> {
  if (objects.length === 0) return new Set();
  const rs = await client.query({
    query: `SELECT bucket, key, etag FROM ingested_files FINAL
            WHERE (bucket, key, etag) IN
              ${VERSIONS}
              AND status = 'loaded'`,
    query_params: versionParams(objects),
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ bucket: string; key: string; etag: string }>();
  return new Set(rows.map(versionId));
}

export function isLoaded(set: Set<string>, o: SourceObject): boolean {
  return set.has(versionId(o));
}

export interface LedgerWrite {
  object: SourceObject;
  status: FileStatus;
  mode: string;
  loadId: string;
  startedAt: Date;
  finishedAt?: Date;
  counts?: FileCounts;
  error?: string;
}

/** `layout` reads each key's section and event type for the ledger row (empty where the layout has none). */
export async function recordFiles(
  client: ClickHouseClient,
  writes: LedgerWrite[],
  layout: KeyLayout = defaultKeyLayout,
): Promise<void> {
  if (writes.length === 0) return;
  await client.insert({
    table: 'ingested_files',
    format: 'JSONEachRow',
    values: writes.map((w) => {
      const parts = layout.parse(w.object.key);
      return {
        bucket: w.object.bucket,
        key: w.object.key,
        etag: w.object.etag,
        size: w.object.size,
        section_id: parts?.sectionId ?? '',
        event_type: parts?.eventType ?? '',
        status: w.status,
        mode: w.mode,
        load_id: w.loadId,
        lines: w.counts?.lines ?? 0,
        statements: w.counts?.statements ?? 0,
        video_events: w.counts?.video_events ?? 0,
        rejected: w.counts?.rejected ?? 0,
        error: w.error ?? '',
        started_at: w.startedAt.toISOString(),
        finished_at: w.finishedAt ? w.finishedAt.toISOString() : null,
      };
    }),
    clickhouse_settings: { date_time_input_format: 'best_effort' },
  });
}
