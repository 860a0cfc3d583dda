-- Derived (migrations/README.md): the routing of a parsed line, ingest_parsed ─▶ the tables of 0001 and 0003.
-- Re-applied whenever this file changes (each view's query is replaced in place with ALTER TABLE … MODIFY QUERY,
-- so a load never meets a missing view). Rows the move of 0003 re-parses (load_mode 'reparse') are written to
-- the raw tables but not to a load's per-load tables: nothing refreshes from them (the rebuild recomputes all).

CREATE MATERIALIZED VIEW IF NOT EXISTS statements_mv {{on_cluster}} TO statements AS
SELECT
    statement_id, has_id, timestamp, stored, version, actor_object_type, actor_name, actor_key, actor_member_keys,
    verb_id, verb_display, object_type, object_id, object_definition_type, object_name, registration, platform, language,
    context_parent_ids, context_grouping_ids, context_category_ids, context_other_ids,
    context_instructor_key, context_team_key, context_revision, context_statement_id, context_extensions,
    result_score_scaled, result_score_raw, result_score_min, result_score_max, result_success, result_completion,
    result_response, result_duration, result_duration_ms, result_extensions, voided_statement_id, authority_key,
    attachments_count, section_id, event_type, source_bucket, source_key, source_etag, line_number, load_id, raw_line AS raw,
    statement_date, person_keys
FROM ingest_parsed
WHERE reject_reason = '';

-- Profile extensions are read where the profile puts them, then where real data puts them instead
-- (result vs context). Map values are the JSON values as text (strings unquoted). A missing or
-- malformed optional field is NULL/empty, never a rejection.
CREATE MATERIALIZED VIEW IF NOT EXISTS video_events_mv {{on_cluster}} TO video_events AS
WITH
    'https://w3id.org/xapi/video/extensions/' AS v,
    coalesce(nullIf(context_extensions[concat(v, 'session-id')], ''),
        nullIf(context_extensions['https://w3id.org/xapi/openedx/extensions/session-id'], ''), '') AS session_id_v,
    coalesce(nullIf(result_extensions[concat(v, 'played-segments')], ''), nullIf(context_extensions[concat(v, 'played-segments')], ''), '') AS segments_raw,
    coalesce(nullIf(context_extensions[concat(v, 'speed')], ''), nullIf(result_extensions[concat(v, 'speed')], ''),
        nullIf(result_extensions['https://w3id.org/xapi/openedx/extension/speed-to'], '')) AS speed_raw,
    coalesce(nullIf(context_extensions[concat(v, 'cc-enabled')], ''), nullIf(result_extensions[concat(v, 'cc-enabled')], ''),
        nullIf(context_extensions[concat(v, 'cc-subtitle-enabled')], ''), nullIf(result_extensions[concat(v, 'cc-subtitle-enabled')], '')) AS cc_raw,
    coalesce(nullIf(context_extensions[concat(v, 'full-screen')], ''), nullIf(result_extensions[concat(v, 'full-screen')], '')) AS full_screen_raw
SELECT
    statement_id, timestamp, statement_date, section_id, event_type, actor_key, verb_id, verb_display,
    object_id AS video_id,
    object_name AS video_name,
    session_id_v AS session_id,
    registration,
    toFloat64OrNull(coalesce(nullIf(result_extensions[concat(v, 'time')], ''), nullIf(result_extensions[concat(v, 'time-to')], ''), '')) AS time,
    toFloat64OrNull(result_extensions[concat(v, 'time-from')]) AS time_from,
    toFloat64OrNull(result_extensions[concat(v, 'time-to')]) AS time_to,
    toFloat64OrNull(coalesce(nullIf(result_extensions[concat(v, 'progress')], ''), context_extensions[concat(v, 'progress')])) AS progress,
    -- "0[.]12.5[,]20[.]30" -> [(0, 12.5), (20, 30)]; a malformed pair is left out (the raw text is kept).
    arrayFilter(p -> isFinite(p.start) AND isFinite(p.`end`),
        arrayMap(pair -> CAST((ifNull(toFloat64OrNull(trimBoth(splitByString('[.]', pair)[1])), nan),
                ifNull(toFloat64OrNull(trimBoth(arrayElement(splitByString('[.]', pair), 2))), nan)), 'Tuple(start Float64, `end` Float64)'),
            if(segments_raw = '', [], splitByString('[,]', segments_raw)))) AS played_segments,
    segments_raw AS played_segments_raw,
    toFloat64OrNull(coalesce(nullIf(context_extensions[concat(v, 'length')], ''), result_extensions[concat(v, 'length')])) AS length,
    toFloat64OrNull(coalesce(nullIf(context_extensions[concat(v, 'completion-threshold')], ''), result_extensions[concat(v, 'completion-threshold')])) AS completion_threshold,
    toFloat64OrNull(trimRight(trimBoth(ifNull(speed_raw, '')), 'x')) AS speed,
    toFloat64OrNull(coalesce(nullIf(context_extensions[concat(v, 'volume')], ''), result_extensions[concat(v, 'volume')])) AS volume,
    multiIf(full_screen_raw = 'true', true, full_screen_raw = 'false', false, NULL) AS full_screen,
    coalesce(nullIf(context_extensions[concat(v, 'quality')], ''), result_extensions[concat(v, 'quality')]) AS quality,
    multiIf(cc_raw = 'true', true, cc_raw = 'false', false, NULL) AS cc_enabled,
    coalesce(nullIf(context_extensions[concat(v, 'cc-subtitle-lang')], ''), result_extensions[concat(v, 'cc-subtitle-lang')]) AS cc_subtitle_lang,
    context_extensions[concat(v, 'user-agent')] AS user_agent,
    context_extensions[concat(v, 'screen-size')] AS screen_size,
    context_extensions[concat(v, 'video-playback-size')] AS video_playback_size,
    result_completion,
    result_duration_ms,
    source_key, source_etag, line_number, load_id
FROM ingest_parsed
WHERE is_video;

CREATE MATERIALIZED VIEW IF NOT EXISTS voided_statements_mv {{on_cluster}} TO voided_statements AS
SELECT section_id, assumeNotNull(voided_statement_id) AS voided_statement_id, statement_id AS voiding_statement_id, timestamp,
    statement_date, load_id
FROM ingest_parsed
-- qualified: the alias above would shadow the column (and is never NULL)
WHERE reject_reason = '' AND ingest_parsed.voided_statement_id IS NOT NULL;

CREATE MATERIALIZED VIEW IF NOT EXISTS rejected_mv {{on_cluster}} TO rejected_statements AS
SELECT
    section_id, event_type, source_bucket, source_key, source_etag, line_number,
    reject_reason AS reason, reject_detail AS detail, validation, raw_line AS raw, load_id,
    toDateTime64(source_time, 3, 'UTC') AS source_time, person_keys
FROM ingest_parsed
WHERE reject_reason != '';

CREATE MATERIALIZED VIEW IF NOT EXISTS ingest_file_counts_mv {{on_cluster}} TO ingest_file_counts AS
SELECT
    load_id, source_bucket, source_key, source_etag,
    count() AS lines,
    countIf(reject_reason = '') AS statements,
    countIf(is_video) AS video_events,
    countIf(reject_reason != '') AS rejected
FROM ingest_parsed
WHERE load_mode != 'reparse'
GROUP BY load_id, source_bucket, source_key, source_etag;

CREATE MATERIALIZED VIEW IF NOT EXISTS load_touched_viewers_mv {{on_cluster}} TO load_touched_viewers AS
SELECT DISTINCT load_id, section_id, object_id AS video_id, actor_key
FROM ingest_parsed
WHERE is_video AND load_mode != 'reparse';

CREATE MATERIALIZED VIEW IF NOT EXISTS load_touched_days_mv {{on_cluster}} TO load_touched_days AS
SELECT DISTINCT load_id, section_id, toDate(timestamp) AS day
FROM ingest_parsed
WHERE reject_reason = '' AND load_mode != 'reparse';

CREATE MATERIALIZED VIEW IF NOT EXISTS load_touched_actor_days_mv {{on_cluster}} TO load_touched_actor_days AS
SELECT DISTINCT load_id, section_id, toDate(timestamp) AS day, actor_key
FROM ingest_parsed
WHERE reject_reason = '' AND load_mode != 'reparse';

CREATE MATERIALIZED VIEW IF NOT EXISTS load_touched_voids_mv {{on_cluster}} TO load_touched_voids AS
SELECT DISTINCT load_id, section_id, assumeNotNull(voided_statement_id) AS voided_statement_id, statement_id AS voiding_statement_id
FROM ingest_parsed
WHERE reject_reason = '' AND ingest_parsed.voided_statement_id IS NOT NULL AND load_mode != 'reparse';

-- Where every statement is, by id: a voiding statement of any section finds its target here.
CREATE MATERIALIZED VIEW IF NOT EXISTS statement_index_mv {{on_cluster}} TO statement_index AS
SELECT statement_id, section_id, statement_date, ingest_parsed.voided_statement_id IS NOT NULL AS is_voiding, load_id
FROM ingest_parsed
WHERE reject_reason = '';

-- The statements of each load, for the load to look up (after its INSERT) which of them a void already names.
CREATE MATERIALIZED VIEW IF NOT EXISTS load_statements_mv {{on_cluster}} TO load_statements AS
SELECT load_id, section_id, statement_id, statement_date, ingest_parsed.voided_statement_id IS NOT NULL AS is_voiding
FROM ingest_parsed
WHERE reject_reason = '' AND load_mode != 'reparse';
