-- 0001: the schema baseline: where a line goes, the tables that keep it, and the analytics over them.
--
-- How a line becomes a row (the only place a statement is mapped):
--   INSERT INTO ingest_lines_{lenient|strict} SELECT … FROM s3()/file()   (src/load/insert-sql.ts)
--     └─ ingest_parse_{lenient|strict}_mv  parse each line ONCE (migration 0002) ─▶ ingest_parsed
--          ├─ statements_mv         good rows            ─▶ statements
--          ├─ video_events_mv       video-profile rows   ─▶ video_events
--          ├─ rejected_mv           bad rows + reason    ─▶ rejected_statements
--          └─ ingest_file_counts_mv per-file counts       ─▶ ingest_file_counts (feeds the ledger)
-- The entry tables and ingest_parsed are Null tables: rows flow through them and are never stored.
--
-- Placeholders ({{on_cluster}}, …) are expanded by src/schema/render.ts: `ON CLUSTER name` and Replicated
-- engines when CLICKHOUSE_CLUSTER is set.

CREATE TABLE IF NOT EXISTS ingest_lines_strict {{on_cluster}}
(
    load_id        UUID,
    load_mode      LowCardinality(String),
    validation     LowCardinality(String),
    source_bucket  String,
    source_key     String,
    source_etag    String,
    source_size    UInt64,
    source_time    DateTime('UTC'),
    line_number    UInt64,
    section_id     String,
    event_type     LowCardinality(String),
    line           String
)
ENGINE = Null;

CREATE TABLE IF NOT EXISTS ingest_lines_lenient {{on_cluster}} AS ingest_lines_strict
ENGINE = Null;

CREATE TABLE IF NOT EXISTS ingest_parsed {{on_cluster}}
(
    load_id        UUID,
    load_mode      LowCardinality(String),
    validation     LowCardinality(String),
    source_bucket  String,
    source_key     String,
    source_etag    String,
    source_time    DateTime('UTC'),
    line_number    UInt64,
    section_id     String,
    event_type     LowCardinality(String),
    raw_line       String,
    reject_reason  LowCardinality(String),
    reject_detail  String,
    statement_id   UUID,
    has_id         Bool,
    timestamp      DateTime64(3, 'UTC'),
    stored         Nullable(DateTime64(3, 'UTC')),
    version        LowCardinality(String),
    actor_object_type LowCardinality(String),
    actor_name     String,
    actor_key      String,
    verb_id        LowCardinality(String),
    verb_display   String,
    object_type    LowCardinality(String),
    object_id      String,
    object_definition_type LowCardinality(String),
    object_name    String,
    registration   Nullable(UUID),
    platform       LowCardinality(String),
    language       LowCardinality(String),
    context_parent_ids   Array(String),
    context_grouping_ids Array(String),
    context_category_ids Array(String),
    context_other_ids    Array(String),
    context_extensions   Map(String, String),
    result_score_scaled  Nullable(Float64),
    result_score_raw     Nullable(Float64),
    result_score_min     Nullable(Float64),
    result_score_max     Nullable(Float64),
    result_success       Nullable(Bool),
    result_completion    Nullable(Bool),
    result_response      Nullable(String),
    result_duration      Nullable(String),
    result_extensions    Map(String, String),
    voided_statement_id  Nullable(UUID),
    actor_member_keys Array(String),
    context_instructor_key String,
    context_team_key String,
    context_revision String,
    context_statement_id Nullable(UUID),
    result_duration_ms Nullable(Int64),
    authority_key  String,
    attachments_count UInt32,
    is_video       Bool
)
ENGINE = Null;

-- One row per statement. ReplacingMergeTree on statement_id: reloading a file (force) or a
-- statement arriving twice collapses to one row at merge time; read with FINAL for exact counts.
CREATE TABLE IF NOT EXISTS statements {{on_cluster}}
(
    statement_id   UUID,
    has_id         Bool COMMENT 'false when the id was derived from the statement content',
    timestamp      DateTime64(3, 'UTC') COMMENT 'statement timestamp, else stored, else the file time',
    stored         Nullable(DateTime64(3, 'UTC')),
    version        LowCardinality(String),
    actor_object_type LowCardinality(String),
    actor_name     String,
    actor_key      String COMMENT 'normalised identifier: mbox::, mbox_sha1sum::, openid::, account::homePage::name',
    actor_member_keys Array(String) COMMENT 'Groups: the members'' normalised keys',
    verb_id        LowCardinality(String),
    verb_display   String,
    object_type    LowCardinality(String),
    object_id      String,
    object_definition_type LowCardinality(String),
    object_name    String,
    registration   Nullable(UUID),
    platform       LowCardinality(String),
    language       LowCardinality(String),
    context_parent_ids   Array(String),
    context_grouping_ids Array(String),
    context_category_ids Array(String),
    context_other_ids    Array(String),
    context_instructor_key String,
    context_team_key String,
    context_revision String,
    context_statement_id Nullable(UUID) COMMENT 'context.statement (a StatementRef)',
    context_extensions   Map(String, String) COMMENT 'extension IRI -> raw JSON value',
    result_score_scaled  Nullable(Float64),
    result_score_raw     Nullable(Float64),
    result_score_min     Nullable(Float64),
    result_score_max     Nullable(Float64),
    result_success       Nullable(Bool),
    result_completion    Nullable(Bool),
    result_response      Nullable(String),
    result_duration      Nullable(String),
    result_duration_ms   Nullable(Int64) COMMENT 'result.duration in milliseconds (Y = 365 d, M = 30 d)',
    result_extensions    Map(String, String) COMMENT 'extension IRI -> raw JSON value',
    voided_statement_id  Nullable(UUID) COMMENT 'for voiding statements: the statement they void',
    authority_key  String,
    attachments_count UInt32,
    section_id     String,
    event_type     LowCardinality(String),
    source_bucket  String,
    source_key     String,
    source_etag    String,
    line_number    UInt64,
    load_id        UUID,
    loaded_at      DateTime64(3, 'UTC') DEFAULT now64(3),
    raw            String COMMENT 'the statement as it was in the file' CODEC(ZSTD(1))
)
ENGINE = ReplacingMergeTree(loaded_at)
PARTITION BY toYYYYMM(timestamp)
ORDER BY (section_id, statement_id);

CREATE TABLE IF NOT EXISTS video_events {{on_cluster}}
(
    statement_id   UUID,
    timestamp      DateTime64(3, 'UTC'),
    section_id     String,
    event_type     LowCardinality(String),
    actor_key      String,
    verb_id        LowCardinality(String),
    verb_display   String,
    video_id       String,
    video_name     String,
    session_id     String,
    registration   Nullable(UUID),
    time           Nullable(Float64),
    time_from      Nullable(Float64),
    time_to        Nullable(Float64),
    progress       Nullable(Float64),
    played_segments Array(Tuple(start Float64, `end` Float64)) COMMENT 'played-segments parsed: "0[.]12.5[,]20[.]30" -> [(0,12.5),(20,30)]',
    played_segments_raw String,
    length         Nullable(Float64),
    completion_threshold Nullable(Float64),
    speed          Nullable(Float64) COMMENT 'playback rate: "1.5x" -> 1.5',
    volume         Nullable(Float64),
    full_screen    Nullable(Bool),
    quality        String,
    cc_enabled     Nullable(Bool) COMMENT 'cc-enabled, or the older cc-subtitle-enabled',
    cc_subtitle_lang String,
    user_agent     String,
    screen_size    String,
    video_playback_size String,
    result_completion Nullable(Bool),
    result_duration_ms Nullable(Int64),
    source_key     String,
    source_etag    String,
    line_number    UInt64,
    load_id        UUID,
    loaded_at      DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(loaded_at)
PARTITION BY toYYYYMM(timestamp)
ORDER BY (section_id, video_id, statement_id);

-- Every line that could not be loaded. One row per (file version, line): a reload replaces it.
CREATE TABLE IF NOT EXISTS rejected_statements {{on_cluster}}
(
    section_id     String,
    event_type     LowCardinality(String),
    source_bucket  String,
    source_key     String,
    source_etag    String,
    line_number    UInt64 COMMENT '1-based line in the file',
    reason         LowCardinality(String) COMMENT 'machine-readable reason code',
    detail         String COMMENT 'human-readable explanation',
    validation     LowCardinality(String) COMMENT 'lenient or strict: the rules the line was checked against',
    raw            String CODEC(ZSTD(1)),
    load_id        UUID,
    rejected_at    DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(rejected_at)
ORDER BY (source_bucket, source_key, source_etag, line_number);

-- Per-load, per-file counts written by the same INSERT that loads the rows; the ledger reads them.
CREATE TABLE IF NOT EXISTS ingest_file_counts {{on_cluster}}
(
    load_id        UUID,
    source_bucket  String,
    source_key     String,
    source_etag    String,
    lines          UInt64,
    statements     UInt64,
    video_events   UInt64,
    rejected       UInt64,
    created_at     DateTime('UTC') DEFAULT now()
)
ENGINE = SummingMergeTree((lines, statements, video_events, rejected))
ORDER BY (load_id, source_bucket, source_key, source_etag)
TTL created_at + INTERVAL 30 DAY;

-- The ledger: one row per file version (bucket, key, ETag); the latest state wins.
CREATE TABLE IF NOT EXISTS ingested_files {{on_cluster}}
(
    bucket         String,
    key            String,
    etag           String,
    size           UInt64,
    section_id     String,
    event_type     LowCardinality(String),
    status         Enum8('loading' = 1, 'loaded' = 2, 'failed' = 3, 'superseded' = 4),
    mode           LowCardinality(String),
    load_id        UUID,
    lines          UInt64,
    statements     UInt64,
    video_events   UInt64,
    rejected       UInt64,
    error          String,
    started_at     DateTime64(3, 'UTC'),
    finished_at    Nullable(DateTime64(3, 'UTC')),
    updated_at     DateTime64(6, 'UTC') DEFAULT now64(6)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY (bucket, key, etag);

CREATE MATERIALIZED VIEW IF NOT EXISTS statements_mv {{on_cluster}} TO statements AS
SELECT
    statement_id, has_id, timestamp, stored, version, actor_object_type, actor_name, actor_key, actor_member_keys,
    verb_id, verb_display, object_type, object_id, object_definition_type, object_name, registration, platform, language,
    context_parent_ids, context_grouping_ids, context_category_ids, context_other_ids,
    context_instructor_key, context_team_key, context_revision, context_statement_id, context_extensions,
    result_score_scaled, result_score_raw, result_score_min, result_score_max, result_success, result_completion,
    result_response, result_duration, result_duration_ms, result_extensions, voided_statement_id, authority_key,
    attachments_count, section_id, event_type, source_bucket, source_key, source_etag, line_number, load_id, raw_line AS raw
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
    statement_id, timestamp, section_id, event_type, actor_key, verb_id, verb_display,
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

CREATE MATERIALIZED VIEW IF NOT EXISTS rejected_mv {{on_cluster}} TO rejected_statements AS
SELECT
    section_id, event_type, source_bucket, source_key, source_etag, line_number,
    reject_reason AS reason, reject_detail AS detail, validation, raw_line AS raw, load_id
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
GROUP BY load_id, source_bucket, source_key, source_etag;

-- Voiding (xAPI 1.0.3 §2.3.2): a statement is voided when a voiding statement (verb voided, object a
-- StatementRef) names it, whichever arrived first and in whatever file. A voiding statement cannot
-- itself be voided: a StatementRef to one is ignored.
CREATE VIEW IF NOT EXISTS statements_active {{on_cluster}} AS
SELECT *
FROM statements FINAL
WHERE statement_id NOT IN (
    SELECT assumeNotNull(voided_statement_id) FROM statements FINAL
    WHERE voided_statement_id IS NOT NULL
      AND voided_statement_id NOT IN (SELECT statement_id FROM statements FINAL WHERE voided_statement_id IS NOT NULL)
);

CREATE VIEW IF NOT EXISTS video_events_active {{on_cluster}} AS
SELECT *
FROM video_events FINAL
WHERE statement_id NOT IN (
    SELECT assumeNotNull(voided_statement_id) FROM statements FINAL
    WHERE voided_statement_id IS NOT NULL
      AND voided_statement_id NOT IN (SELECT statement_id FROM statements FINAL WHERE voided_statement_id IS NOT NULL)
);

-- Video and activity analytics, as views computed at query time (documented in the README).
--
-- Why plain views: they read video_events_active / statements_active, which read FINAL and drop voided
-- statements, so a reload (ReplacingMergeTree duplicates before a merge), a statement arriving twice, or
-- a session whose statements were loaded in different INSERT blocks or files never changes a number.
-- The heavy lifting happens in the GROUP BY at query time; at very large volume, materialise them with
-- a refreshable materialized view over the same SELECT.
--
-- Conventions:
--   * a viewer is one learner (actor_key) of one video (video_id) in one section;
--   * played segments come from the xAPI Video Profile `played-segments` extension (cumulative per session);
--     a viewer's coverage is the union of every segment of every session;
--   * second k of a video is "watched" when a segment overlaps [k, k+1) by a positive length;
--   * a viewer completed a video when their coverage / length, rounded to 3 decimals as the profile rounds
--     progress, reaches the video's completion-threshold (1.0 when absent); when the length is unknown
--     (some real players omit it) a non-voided `completed` statement counts instead.

-- One row per viewing session: what that session played, where it ended.
CREATE VIEW IF NOT EXISTS video_sessions {{on_cluster}} AS
SELECT
    section_id,
    video_id,
    actor_key,
    session_id,
    argMax(video_name, timestamp) AS video_name,
    min(timestamp) AS started_at,
    max(timestamp) AS ended_at,
    max(length) AS video_length,
    max(completion_threshold) AS completion_threshold,
    -- the profile's list is cumulative within a session: the longest one is the session's whole play
    argMax(played_segments, length(played_segments)) AS session_segments,
    arraySum(s -> greatest(s.2 - s.1, 0), session_segments) AS watch_seconds,
    groupArrayArray(played_segments) AS all_segments,
    argMax(coalesce(time, time_to), timestamp) AS last_position,
    countIf(verb_id = 'http://adlnet.gov/expapi/verbs/completed') > 0 AS has_completed_statement,
    countIf(verb_id = 'https://w3id.org/xapi/video/verbs/seeked') AS seeks,
    count() AS events
FROM video_events_active
GROUP BY section_id, video_id, actor_key, session_id;

-- One row per viewer of a video: coverage, watch time, completion (the base of the views below).
CREATE VIEW IF NOT EXISTS video_viewers {{on_cluster}} AS
WITH
    -- the video's length: as reported, else as far as anyone played it
    toFloat64(coalesce(max(video_length), arrayMax(arrayMap(s -> s.2, groupArrayArray(all_segments))), 0)) AS length_seconds,
    arraySort(s -> s.1, arrayFilter(s -> s.2 > s.1,
        arrayMap(s -> (greatest(s.1, 0.), least(s.2, if(length_seconds > 0, length_seconds, s.2))),
            arrayDistinct(groupArrayArray(all_segments))))) AS segments,
    -- union length of sorted intervals: (covered so far, current start, current end)
    arrayFold((acc, s) -> if(s.1 > acc.3, (acc.1 + (acc.3 - acc.2), s.1, s.2), (acc.1, acc.2, greatest(acc.3, s.2))),
        segments, (0., 0., 0.)) AS fold
SELECT
    section_id,
    video_id,
    actor_key,
    argMax(video_name, ended_at) AS video_name,
    count() AS sessions,
    min(started_at) AS first_seen,
    max(ended_at) AS last_seen,
    length_seconds AS video_length,
    ifNull(max(completion_threshold), 1.) AS completion_threshold,
    segments,
    fold.1 + (fold.3 - fold.2) AS unique_seconds,
    sum(watch_seconds) AS watch_seconds,
    if(length_seconds > 0, least(1., round(unique_seconds / length_seconds, 3)), NULL) AS progress,
    max(has_completed_statement) AS has_completed_statement,
    if(length_seconds > 0, progress >= completion_threshold, has_completed_statement) AS completed
FROM video_sessions
GROUP BY section_id, video_id, actor_key;

-- Audience retention: for every second of every video, the share of its viewers who watched it.
CREATE VIEW IF NOT EXISTS video_retention {{on_cluster}} AS
SELECT
    section_id,
    video_id,
    if(title = '', video_id, title) AS video_name,
    toUInt32(position - 1) AS second,
    viewers_at_second AS viewers,
    total_viewers,
    viewers_at_second / total_viewers AS share
FROM
(
    SELECT
        section_id,
        video_id,
        argMax(video_name, last_seen) AS title,
        count() AS total_viewers,
        -- per viewer, one 0/1 flag per second; summed element-wise across viewers
        sumForEach(arrayMap(k -> toUInt64(arrayExists(s -> s.1 < k + 1 AND s.2 > k, segments)),
            range(toUInt32(least(ceil(video_length), 86400))))) AS per_second
    FROM video_viewers
    GROUP BY section_id, video_id
)
ARRAY JOIN per_second AS viewers_at_second, arrayEnumerate(per_second) AS position;

-- Completion per video: viewers, viewers who reached the threshold, and the rate.
CREATE VIEW IF NOT EXISTS video_completion {{on_cluster}} AS
SELECT
    section_id,
    video_id,
    if(argMax(video_name, last_seen) = '', video_id, argMax(video_name, last_seen)) AS video_name,
    max(video_length) AS video_length,
    max(completion_threshold) AS completion_threshold,
    count() AS viewers,
    countIf(completed) AS completers,
    countIf(has_completed_statement) AS viewers_with_completed_statement,
    completers / viewers AS completion_rate,
    avg(progress) AS avg_progress
FROM video_viewers
GROUP BY section_id, video_id;

-- Completion per section: over every (learner, video) pair seen in the section.
CREATE VIEW IF NOT EXISTS section_video_completion {{on_cluster}} AS
SELECT
    section_id,
    uniqExact(video_id) AS videos,
    uniqExact(actor_key) AS learners,
    count() AS viewers,
    countIf(completed) AS completers,
    completers / viewers AS completion_rate
FROM video_viewers
GROUP BY section_id;

-- Watch time per learner and section: time spent playing (re-watching counts) and distinct seconds seen.
CREATE VIEW IF NOT EXISTS learner_watch_time {{on_cluster}} AS
SELECT
    section_id,
    actor_key,
    count() AS videos_watched,
    sum(sessions) AS sessions,
    round(sum(watch_seconds), 3) AS watch_seconds,
    round(sum(unique_seconds), 3) AS unique_seconds,
    countIf(completed) AS videos_completed,
    min(first_seen) AS first_seen,
    max(last_seen) AS last_seen
FROM video_viewers
GROUP BY section_id, actor_key;

-- Drop-off points: sessions that ended before the end of the video, by how far they got (5% buckets).
CREATE VIEW IF NOT EXISTS video_drop_off {{on_cluster}} AS
SELECT
    section_id,
    video_id,
    if(any(video_name) = '', video_id, any(video_name)) AS video_name,
    toUInt8(least(95, floor(last_position / video_length * 20) * 5)) AS percent,
    count() AS sessions
FROM video_sessions
WHERE video_length > 0 AND last_position IS NOT NULL AND last_position < video_length - 1
GROUP BY section_id, video_id, percent;

-- Seek hot spots: where viewers seek to (5-second buckets), and how many seeks go forward.
CREATE VIEW IF NOT EXISTS video_seek_hotspots {{on_cluster}} AS
SELECT
    section_id,
    video_id,
    if(argMax(video_name, timestamp) = '', video_id, argMax(video_name, timestamp)) AS video_name,
    toUInt32(floor(assumeNotNull(time_to) / 5) * 5) AS to_second,
    count() AS seeks,
    countIf(time_to > time_from) AS forward_seeks,
    uniqExact(actor_key) AS learners
FROM video_events_active
WHERE verb_id = 'https://w3id.org/xapi/video/verbs/seeked' AND time_to IS NOT NULL
GROUP BY section_id, video_id, to_second;

-- Active learners per day and section: anyone with a (non-voided) statement that day, voiding ones aside.
CREATE VIEW IF NOT EXISTS daily_active_learners {{on_cluster}} AS
SELECT
    toDate(timestamp) AS day,
    section_id,
    uniqExact(actor_key) AS active_learners,
    count() AS statements
FROM statements_active
WHERE voided_statement_id IS NULL
GROUP BY day, section_id;

-- Verbs over time: statements per day, section and verb.
CREATE VIEW IF NOT EXISTS daily_verbs {{on_cluster}} AS
SELECT
    toDate(timestamp) AS day,
    section_id,
    verb_id,
    any(verb_display) AS verb_display,
    count() AS statements
FROM statements_active
GROUP BY day, section_id, verb_id;

-- ───────────────────────────────────────────────────────────────────────────────────────────────
-- CLI: where a stopped `xapi-etl bulk` run carries on (issue #12). A backfill cut by --time-budget or
-- Ctrl-C records its continuation under a hash of the request (bucket, prefix, sections, dates,
-- force); running the same command again resumes there, so a forced backfill finishes instead of
-- starting over. An empty continuation means the run completed. (The Lambda hands its continuation to
-- the next invocation instead and never reads this table.)
CREATE TABLE IF NOT EXISTS bulk_run_cursors {{on_cluster}}
(
    request_key    String COMMENT 'sha256 of the normalised request',
    request        String COMMENT 'the request, as JSON, for people reading the table',
    continuation   String COMMENT 'the continuation JSON to resume with; empty once the run completed',
    updated_at     DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY request_key;
