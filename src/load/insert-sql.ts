import type { RecordSql } from './record-sql.js';
import type { SourceSql } from './source-sql.js';

/**
 * Where a load enters: each validation mode has its own Null table and parse view (migration 0002), so a
 * lenient load never plans the strict rules. Both write the same ingest_parsed rows.
 */
const ENTRY_TABLES = { lenient: 'ingest_lines_lenient', strict: 'ingest_lines_strict' } as const;

/**
 * The one INSERT that loads a batch. ClickHouse reads the files (s3()/file()), and for every record
 * writes one row into the Null entry table; the materialized views parse it once and route it to
 * statements / video_events / rejected_statements (migrations 0001 and 0002).
 *
 * Every value is a query parameter. `planned` pins each file to the version (ETag) that was planned
 * and checked against the ledger: if an object is overwritten mid-load, the new version's lines are not
 * mixed into this load (its own notification loads it). A file's rows carry its version tag as the ledger
 * knows it (`planned_versions`: the ETag, or the ETag and a scope: src/plan/source-object.ts).
 */
export function buildInsertSql(
  source: SourceSql,
  validation: 'lenient' | 'strict',
  records: RecordSql,
): string {
  return `INSERT INTO ${ENTRY_TABLES[validation]}
    (load_id, load_mode, validation, source_bucket, source_key, source_etag, source_size, source_time,
     line_number, section_id, event_type, line, default_version)
WITH
    if({is_s3:Bool}, substring(src_path, position(src_path, '/') + 1), src_path) AS src_key,
    transform(src_key, {planned_keys:Array(String)}, {planned_etags:Array(String)}, '') AS planned_etag,
    -- Each file's rows carry its own load id (the file's claim): a reload removes exactly them.
    toUUIDOrZero(transform(src_key, {planned_keys:Array(String)}, {planned_load_ids:Array(String)}, '')) AS file_load_id,
    ${records.with.join(',\n    ')}
SELECT
    file_load_id, {load_mode:String}, {validation:String}, {bucket:String},
    src_key, ${records.version}, ifNull(src_size, 0),
    coalesce(${records.keyTime}, src_time, now64(3)), src_row + 1,
    ${records.section}, ${records.eventType}, ${records.statement}, {default_version:String}
FROM (
${source.sql}
)
WHERE planned_etag != ''
  AND (NOT {is_s3:Bool} OR replaceAll(ifNull(src_etag, ''), '"', '') = planned_etag)${records.where.map((w) => `\n  AND ${w}`).join('')}`;
}

export const FILE_COUNTS_SQL = `
SELECT source_key AS key, source_etag AS etag,
       sum(lines) AS lines, sum(statements) AS statements,
       sum(video_events) AS video_events, sum(rejected) AS rejected
FROM ingest_file_counts
WHERE load_id IN {load_ids:Array(UUID)}
GROUP BY key, etag`;
