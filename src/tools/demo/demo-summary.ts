import type { ClickHouseClient } from '@clickhouse/client';

/** The numbers the demo prints, each read from ClickHouse with the SQL a user would type. */
export interface DemoSummary {
  files_loaded: number;
  statements: number;
  active_statements: number;
  voided: number;
  video_events: number;
  rejected: number;
  rejected_by_reason: { reason: string; lines: number }[];
  completion_by_section: {
    section_id: string;
    viewers: number;
    completers: number;
    completion_rate: number;
  }[];
}

export const SUMMARY_SQL = {
  files_loaded: "SELECT count() AS n FROM ingested_files FINAL WHERE status = 'loaded'",
  statements: 'SELECT count() AS n FROM statements FINAL',
  active_statements: 'SELECT count() AS n FROM statements_active',
  voided: 'SELECT (SELECT count() FROM statements FINAL) - (SELECT count() FROM statements_active) AS n',
  video_events: 'SELECT count() AS n FROM video_events_active',
  rejected: 'SELECT count() AS n FROM rejected_statements FINAL',
  rejected_by_reason:
    'SELECT reason, count() AS lines FROM rejected_statements FINAL GROUP BY reason ORDER BY lines DESC, reason',
  completion_by_section:
    'SELECT section_id, viewers, completers, completion_rate FROM section_video_completion ORDER BY section_id',
} as const;

export async function loadDemoSummary(client: ClickHouseClient): Promise<DemoSummary> {
  const rows = async (query: string) =>
    (await client.query({ query, format: 'JSONEachRow' })).json<Record<string, string | number>>();
  const count = async (query: string) => Number((await rows(query))[0]?.n ?? 0);
  return {
    files_loaded: await count(SUMMARY_SQL.files_loaded),
    statements: await count(SUMMARY_SQL.statements),
    active_statements: await count(SUMMARY_SQL.active_statements),
    voided: await count(SUMMARY_SQL.voided),
    video_events: await count(SUMMARY_SQL.video_events),
    rejected: await count(SUMMARY_SQL.rejected),
    rejected_by_reason: (await rows(SUMMARY_SQL.rejected_by_reason)).map((r) => ({
      reason: String(r.reason),
      lines: Number(r.lines),
    })),
    completion_by_section: (await rows(SUMMARY_SQL.completion_by_section)).map((r) => ({
      section_id: String(r.section_id),
      viewers: Number(r.viewers),
      completers: Number(r.completers),
      completion_rate: Number(r.completion_rate),
    })),
  };
}
