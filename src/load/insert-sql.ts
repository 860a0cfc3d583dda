import type { SourceSql } from './source-sql.js';

/**
 * Where a load enters: each validation mode has its own Null table and parse view (migration 0002), so a
 * lenient load never plans the strict rules. Both write the same ingest_parsed rows.
 */
const ENTRY_TABLES = { lenient: 'ingest_lines_lenient', strict: 'ingest_lines_strict' } as const;

/**
 * The one INSERT that loads a batch. ClickHouse reads the files (s3()/file()), and for every line
 * writes one row into the Null entry table; the materialized views parse it once and route it to
 * statements / video_events / rejected_statements (migrations 0001 and 0002).
 *
 * Every value is a query parameter. `planned` pins each file to the version (ETag) that was planned
 * and checked against the ledger: if an object is overwritten mid-load, the new version's lines are not
 * mixed into this load (its own notification loads it).
 */
export function buildInsertSql(source: SourceSql, validation: 'lenient' | 'strict'): string {
  return `INSERT INTO ${ENTRY_TABLES[validation]}
    (load_id, load_mode, validation, source_bucket, source_key, source_etag, source_size, source_time,
     line_number, section_id, event_type, line)
WITH
    if({is_s3:Bool}, substring(src_path, position(src_path, '/') + 1), src_path) AS src_key,
    transform(src_key, {planned_keys:Array(String)}, {planned_etags:Array(String)}, '') AS planned_etag,
    -- Each file's rows carry its own load id (the file's claim): a reload removes exactly them.
    toUUIDOrZero(transform(src_key, {planned_keys:Array(String)}, {planned_load_ids:Array(String)}, '')) AS file_load_id,
    extractGroups(src_key, {key_layout:String}) AS layout,
    -- The time the file name carries (2024-01-01T12-00-00.000Z_…): the same at every load of the file.
    extractGroups(ifNull(layout[3], ''), {file_time_pattern:String}) AS file_time,
    parseDateTime64BestEffortOrNull(
        concat(file_time[1], 'T', file_time[2], ':', file_time[3], ':', file_time[4],
            if(file_time[5] = '', '', concat('.', file_time[5])), 'Z'), 3, 'UTC') AS key_time
SELECT
    file_load_id, {load_mode:String}, {validation:String}, {bucket:String},
    src_key, planned_etag, ifNull(src_size, 0),
    coalesce(if(empty(file_time), NULL, key_time), src_time, now64(3)), src_row + 1,
    ifNull(layout[1], ''), ifNull(layout[2], ''), line
FROM (
${source.sql}
)
WHERE planned_etag != ''
  AND (NOT {is_s3:Bool} OR replaceAll(ifNull(src_etag, ''), '"', '') = planned_etag)`;
}

export const FILE_COUNTS_SQL = `
SELECT source_key AS key, source_etag AS etag,
       sum(lines) AS lines, sum(statements) AS statements,
       sum(video_events) AS video_events, sum(rejected) AS rejected
FROM ingest_file_counts
WHERE load_id IN {load_ids:Array(UUID)}
GROUP BY key, etag`;
