import type { ClickHouseClient } from '@clickhouse/client';

/** What the report shows, read from the analytics views (migrations/…_video_analytics.sql). */
export interface ReportData {
  totals: {
    files: number;
    statements: number;
    video_events: number;
    rejected: number;
    voided: number;
    learners: number;
  };
  retention: { section_id: string; video_id: string; video_name: string; second: number; share: number }[];
  completionBySection: { section_id: string; viewers: number; completers: number; completion_rate: number }[];
  completionByVideo: {
    section_id: string;
    video_id: string;
    video_name: string;
    viewers: number;
    completers: number;
    completion_rate: number;
  }[];
  activity: { day: string; section_id: string; active_learners: number }[];
  verbs: { day: string; verb: string; statements: number }[];
  rejected: { reason: string; lines: number }[];
  dropOff: { section_id: string; video_name: string; percent: number; sessions: number }[];
  seekHotspots: { section_id: string; video_name: string; to_second: number; seeks: number }[];
}

const QUERIES: Record<Exclude<keyof ReportData, 'totals'>, string> = {
  retention: `
    SELECT section_id, video_id, video_name, second, share
    FROM video_retention ORDER BY section_id, video_id, second`,
  completionBySection: `
    SELECT section_id, viewers, completers, completion_rate
    FROM section_video_completion ORDER BY section_id`,
  completionByVideo: `
    SELECT section_id, video_id, video_name, viewers, completers, completion_rate
    FROM video_completion ORDER BY section_id, video_id`,
  activity: `
    SELECT toString(day) AS day, section_id, active_learners
    FROM daily_active_learners ORDER BY day, section_id`,
  verbs: `
    SELECT toString(day) AS day, verb_display AS verb, sum(statements) AS statements
    FROM daily_verbs GROUP BY day, verb ORDER BY day, verb`,
  rejected: `
    SELECT reason, count() AS lines FROM rejected_statements FINAL GROUP BY reason ORDER BY lines DESC, reason`,
  dropOff: `
    SELECT section_id, any(video_name) AS video_name, percent, sum(sessions) AS sessions
    FROM video_drop_off GROUP BY section_id, video_id, percent ORDER BY section_id, video_id, percent`,
  seekHotspots: `
    SELECT section_id, video_name, to_second, seeks
    FROM video_seek_hotspots ORDER BY seeks DESC, section_id, video_name, to_second LIMIT 20`,
};

const TOTALS = `
  SELECT
    (SELECT count() FROM ingested_files FINAL WHERE status = 'loaded') AS files,
    (SELECT count() FROM statements FINAL) AS statements,
    (SELECT count() FROM video_events_active) AS video_events,
    (SELECT count() FROM rejected_statements FINAL) AS rejected,
    (SELECT uniqExact(assumeNotNull(voided_statement_id)) FROM statements FINAL WHERE voided_statement_id IS NOT NULL) AS voided,
    (SELECT uniqExact(actor_key) FROM video_events_active) AS learners`;

export async function loadReportData(client: ClickHouseClient): Promise<ReportData> {
  const rows = async <T>(query: string): Promise<T[]> =>
    numbers(await (await client.query({ query, format: 'JSONEachRow' })).json<T>());
  const entries = await Promise.all(
    Object.entries(QUERIES).map(async ([name, sql]) => [name, await rows(sql)] as const),
  );
  const [totals] = await rows<ReportData['totals']>(TOTALS);
  return { ...Object.fromEntries(entries), totals } as ReportData;
}

/** UInt64 arrives as a string from a server and a number from chDB: numbers either way. */
function numbers<T>(rows: T[]): T[] {
  return rows.map(
    (row) =>
      Object.fromEntries(
        Object.entries(row as Record<string, unknown>).map(([k, v]) => [
          k,
          typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) && !k.endsWith('_id') && k !== 'day'
            ? Number(v)
            : v,
        ]),
      ) as T,
  );
}
