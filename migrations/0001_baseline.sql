-- 0001: the schema baseline: where a line goes, the tables that keep it, and the analytics kept over them.
--
-- How a line becomes a row (the only place a statement is mapped):
--   INSERT INTO ingest_lines_{lenient|strict} SELECT … FROM s3()/file()   (src/load/insert-sql.ts)
--     └─ ingest_parse_{lenient|strict}_mv  parse each line ONCE (migration 0002) ─▶ ingest_parsed
--          ├─ statements_mv         good rows                 ─▶ statements
--          ├─ video_events_mv       video-profile rows        ─▶ video_events
--          ├─ voided_statements_mv  voiding statements        ─▶ voided_statements
--          ├─ rejected_mv           bad rows + reason         ─▶ rejected_statements
--          ├─ ingest_file_counts_mv per-file counts            ─▶ ingest_file_counts (feeds the ledger)
--          └─ load_touched_*_mv     the keys this load touched ─▶ load_touched_{viewers,days,voids}
-- The entry tables and ingest_parsed are Null tables: rows flow through them and are never stored.
--
-- How the analytics stay current (src/analytics/refresh.ts, after every load, before it returns):
--   for the viewers and days a load touched (and those of statements it voids), the *_refresh views below
--   recompute their state from the raw rows, and the load writes it into the *_state tables, level by
--   level: video_viewer_state ─▶ video_state, learner_state ─▶ section_state; daily_state. The public
--   analytics views read those tables. Cost: what the load touched, never the whole table or section.
--
-- Storage layout (why): a section's rows sit together (ORDER BY starts with section_id, so a per-section
-- query reads that section only), and every row's place depends only on what the statement says, never on
-- when or in which file it arrived, so a statement loaded twice always meets its first copy and
-- ReplacingMergeTree (or FINAL) keeps one. Partitions are 16 buckets of sections: a load of any span
-- (a 12-year export, every section at once) touches at most 16, far under ClickHouse's limit per INSERT
-- block, and a section's rows share one partition, so deleting a load's rows touches 1/16 of the table.
--
-- Placeholders ({{on_cluster}}, …) are expanded by src/schema/render.ts: `ON CLUSTER name` and Replicated
-- engines when CLICKHOUSE_CLUSTER is set; `_local` tables behind Distributed ones when it is sharded.

-- ─── Entry ──────────────────────────────────────────────────────────────────────────────────────────────

CREATE TABLE IF NOT EXISTS ingest_lines_strict {{on_cluster}}
(
    load_id        UUID,
    load_mode      LowCardinality(String),
    validation     LowCardinality(String),
    source_bucket  String,
    source_key     String,
    source_etag    String,
    source_size    UInt64,
    source_time    DateTime64(3, 'UTC') COMMENT 'the time the key names (section/…/{ISO time}_bundle.jsonl), else the object''s',
    line_number    UInt64,
    section_id     String,
    event_type     LowCardinality(String),
    line           String
)
ENGINE = Null;

CREATE TABLE IF NOT EXISTS ingest_lines_lenient {{on_cluster}} AS ingest_lines_strict
ENGINE = Null;

-- What a parse view makes of a line: the statement's columns, or the reason it was rejected.
CREATE TABLE IF NOT EXISTS ingest_parsed {{on_cluster}}
(
    load_id        UUID,
    load_mode      LowCardinality(String),
    validation     LowCardinality(String),
    source_bucket  String,
    source_key     String,
    source_etag    String,
    source_time    DateTime64(3, 'UTC'),
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

-- ─── Raw rows ───────────────────────────────────────────────────────────────────────────────────────────

-- One row per statement. A statement's place (section, day of its timestamp, id) follows from the
-- statement alone, so a re-delivered or reloaded copy replaces the first one (ReplacingMergeTree; read
-- with FINAL for exact counts). The sort key serves a section, a section's days, and a day range.
CREATE TABLE IF NOT EXISTS statements {{on_cluster}}
(
    statement_id   UUID,
    has_id         Bool COMMENT 'false when the id was derived from the statement content',
    timestamp      DateTime64(3, 'UTC') COMMENT 'statement timestamp, else stored, else the time the file key names, else the object''s',
    stored         Nullable(DateTime64(3, 'UTC')),
    version        LowCardinality(String),
    actor_object_type LowCardinality(String),
    actor_name     String,
    actor_key      String COMMENT 'normalised identifier: mbox::, mbox_sha1sum::, openid::, account::homePage::name, group::',
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
    raw            String COMMENT 'the statement as it was in the file' CODEC(ZSTD(1)),
    -- Finds a statement by id within its section (voiding looks up its target) without reading the section.
    INDEX statement_id_bloom statement_id TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplacingMergeTree(loaded_at)
PARTITION BY sipHash64(section_id) % 16
ORDER BY (section_id, toDate(timestamp), statement_id)
{{shard_by sipHash64(section_id)}};

-- One row per xAPI Video Profile statement, sorted so that one viewer's events (section, video, learner)
-- are one range: the analytics refresh reads exactly those.
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
    loaded_at      DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX statement_id_bloom statement_id TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplacingMergeTree(loaded_at)
PARTITION BY sipHash64(section_id) % 16
ORDER BY (section_id, video_id, actor_key, session_id, statement_id)
{{shard_by sipHash64(section_id)}};

-- Voiding (xAPI 1.0.3 §2.3.2), kept where a query finds it by section: one row per voiding statement,
-- fed as it loads. A statement is voided when a voiding statement of its section names it, whichever
-- arrived first and in whatever file; a voiding statement itself can never be voided.
CREATE TABLE IF NOT EXISTS voided_statements {{on_cluster}}
(
    section_id           String,
    voided_statement_id  UUID,
    voiding_statement_id UUID,
    timestamp            DateTime64(3, 'UTC'),
    load_id              UUID,
    loaded_at            DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(loaded_at)
PARTITION BY sipHash64(section_id) % 16
ORDER BY (section_id, voided_statement_id, voiding_statement_id)
{{shard_by sipHash64(section_id)}};

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
PARTITION BY sipHash64(section_id) % 16
ORDER BY (section_id, source_bucket, source_key, source_etag, line_number)
{{shard_by sipHash64(section_id)}};

-- ─── Per load ───────────────────────────────────────────────────────────────────────────────────────────

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
TTL created_at + INTERVAL 30 DAY
{{shard_by sipHash64(source_key)}};

-- The keys a load touched, written by the load's own INSERT: what the analytics refresh recomputes.
CREATE TABLE IF NOT EXISTS load_touched_viewers {{on_cluster}}
(
    load_id     UUID,
    section_id  String,
    video_id    String,
    actor_key   String,
    created_at  DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree
ORDER BY (load_id, section_id, video_id, actor_key)
TTL created_at + INTERVAL 30 DAY
{{shard_by sipHash64(section_id)}};

CREATE TABLE IF NOT EXISTS load_touched_days {{on_cluster}}
(
    load_id     UUID,
    section_id  String,
    day         Date,
    created_at  DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree
ORDER BY (load_id, section_id, day)
TTL created_at + INTERVAL 30 DAY
{{shard_by sipHash64(section_id)}};

-- Statements a load voids: their viewers and days change too, wherever the targets were loaded.
CREATE TABLE IF NOT EXISTS load_touched_voids {{on_cluster}}
(
    load_id              UUID,
    section_id           String,
    voided_statement_id  UUID,
    created_at           DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree
ORDER BY (load_id, section_id, voided_statement_id)
TTL created_at + INTERVAL 30 DAY
{{shard_by sipHash64(section_id)}};

-- Who loads a file version (src/ledger/claims.ts): one row per (bucket, key, ETag, generation), written by a
-- one-row INSERT whose deduplication token is made of those four, so that of concurrent claimants exactly one
-- row lands (the deduplication check and the commit share one lock; one Keeper request when replicated). The
-- window keeps every claim of the last 10,000 INSERTs (a week when replicated) deduplicated.
CREATE TABLE IF NOT EXISTS file_claims {{on_cluster}}
(
    bucket       String,
    key          String,
    etag         String,
    generation   UInt32 COMMENT '1: the first load; each forced reload, retry or takeover adds one',
    claim_id     UUID COMMENT 'the load id of the rows this load writes',
    owner        String COMMENT 'the Lambda request id (kept by Lambda''s retries) or the CLI run that claimed',
    query_id     String COMMENT 'prefix of the query ids of this load: a takeover waits until none runs',
    claimed_at   DateTime64(3, 'UTC'),
    lease_until  DateTime64(3, 'UTC') COMMENT 'until then only the owner may take an unfinished load over'
)
ENGINE = MergeTree
ORDER BY (bucket, key, etag, generation)
SETTINGS non_replicated_deduplication_window = 10000, replicated_deduplication_window = 10000,
    replicated_deduplication_window_seconds = 604800
{{shard_by sipHash64(key)}};

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
ORDER BY (bucket, key, etag)
{{shard_by sipHash64(key)}};

-- Where a stopped `xapi-etl bulk` run carries on. A backfill cut by --time-budget or Ctrl-C records its
-- continuation under a hash of the request (bucket, prefix, sections, dates, force); running the same
-- command again resumes there, so a forced backfill finishes instead of starting over. An empty
-- continuation means the run completed. (The Lambda hands its continuation to the next invocation instead
-- and never reads this table.)
CREATE TABLE IF NOT EXISTS bulk_run_cursors {{on_cluster}}
(
    request_key    String COMMENT 'sha256 of the normalised request',
    request        String COMMENT 'the request, as JSON, for people reading the table',
    continuation   String COMMENT 'the continuation JSON to resume with; empty once the run completed',
    updated_at     DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY request_key
{{shard_by sipHash64(request_key)}};

-- ─── Routing: ingest_parsed ─▶ the tables above ──────────────────────────────────────────────────────────

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

CREATE MATERIALIZED VIEW IF NOT EXISTS voided_statements_mv {{on_cluster}} TO voided_statements AS
SELECT section_id, assumeNotNull(voided_statement_id) AS voided_statement_id, statement_id AS voiding_statement_id, timestamp, load_id
FROM ingest_parsed
-- qualified: the alias above would shadow the column (and is never NULL)
WHERE reject_reason = '' AND ingest_parsed.voided_statement_id IS NOT NULL;

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

CREATE MATERIALIZED VIEW IF NOT EXISTS load_touched_viewers_mv {{on_cluster}} TO load_touched_viewers AS
SELECT DISTINCT load_id, section_id, object_id AS video_id, actor_key
FROM ingest_parsed
WHERE is_video;

CREATE MATERIALIZED VIEW IF NOT EXISTS load_touched_days_mv {{on_cluster}} TO load_touched_days AS
SELECT DISTINCT load_id, section_id, toDate(timestamp) AS day
FROM ingest_parsed
WHERE reject_reason = '';

CREATE MATERIALIZED VIEW IF NOT EXISTS load_touched_voids_mv {{on_cluster}} TO load_touched_voids AS
SELECT DISTINCT load_id, section_id, assumeNotNull(voided_statement_id) AS voided_statement_id
FROM ingest_parsed
WHERE reject_reason = '' AND ingest_parsed.voided_statement_id IS NOT NULL;

-- ─── Voiding ────────────────────────────────────────────────────────────────────────────────────────────

-- The statements voided in each section: named by a voiding statement of that section and not themselves
-- voiding statements. Small (voiding is rare) and sorted by section: a query reads its sections' part.
CREATE VIEW IF NOT EXISTS voided_ids {{on_cluster}} AS
SELECT DISTINCT v.section_id AS section_id, v.voided_statement_id AS statement_id
FROM voided_statements AS v
LEFT ANTI JOIN voided_statements AS voiding
    ON voiding.section_id = v.section_id AND voiding.voiding_statement_id = v.voided_statement_id;

-- Statements that no statement voids (a voiding statement is never in voided_ids). An anti-join on the
-- section: a query for some sections reads only those sections' voids (the filter reaches both sides).
CREATE VIEW IF NOT EXISTS statements_active {{on_cluster}} AS
SELECT s.*
FROM statements AS s FINAL
LEFT ANTI JOIN voided_ids AS v ON v.section_id = s.section_id AND v.statement_id = s.statement_id;

CREATE VIEW IF NOT EXISTS video_events_active {{on_cluster}} AS
SELECT e.*
FROM video_events AS e FINAL
LEFT ANTI JOIN voided_ids AS v ON v.section_id = e.section_id AND v.statement_id = e.statement_id;

-- ─── Analytics: maintained state ───────────────────────────────────────────────────────────────────────
--
-- Definitions (the README has them for users):
--   * a viewer is one learner (actor_key) of one video (video_id) in one section;
--   * played segments come from the xAPI Video Profile `played-segments` extension (cumulative within a
--     session); a viewer's coverage is the union of every segment of every event;
--   * second k of a video is "watched" when a segment overlaps [k, k+1) by a positive length;
--   * a viewer completed a video when their coverage / length, rounded to 3 decimals as the profile rounds
--     progress, reaches the video's completion-threshold (1.0 when absent); when the length is unknown
--     (some real players omit it) a non-voided `completed` statement counts instead.
--
-- Every state table is ReplacingMergeTree(version, is_deleted): a refresh writes the whole new state of
-- each key it recomputes, stamped with the time its computation started (`now64(6)` is fixed per query),
-- and a key with nothing left (all voided) is written as deleted. Of two refreshes of the same key the one
-- that started later wins, and it started after every load it could have missed had committed: concurrent
-- loads end with the right state. Read with FINAL (the public views do).
-- Ties are broken on full tuples (…, timestamp, statement_id), and sums run over sorted arrays, so the
-- same rows give the same numbers whatever the order of files, batches and re-deliveries.

-- One row per viewer: their sessions, coverage, watch time, completion, seeks and drop-off points.
CREATE TABLE IF NOT EXISTS video_viewer_state {{on_cluster}}
(
    section_id       String,
    video_id         String,
    actor_key        String,
    video_name       String,
    sessions         Array(Tuple(
                         session_id String, video_name String, started_at DateTime64(3, 'UTC'), ended_at DateTime64(3, 'UTC'),
                         video_length Nullable(Float64), completion_threshold Nullable(Float64),
                         session_segments Array(Tuple(start Float64, `end` Float64)), watch_seconds Float64,
                         last_position Nullable(Float64), has_completed_statement Bool, seeks UInt64, events UInt64)),
    first_seen       DateTime64(3, 'UTC'),
    last_seen        DateTime64(3, 'UTC'),
    video_length     Float64 COMMENT 'as reported, else as far as this viewer played it',
    completion_threshold Float64,
    segments         Array(Tuple(start Float64, `end` Float64)) COMMENT 'every played segment, clipped to the length, sorted',
    covered          Array(Tuple(from UInt32, to UInt32)) COMMENT 'the seconds watched, as merged [from, to) ranges: what retention counts',
    unique_seconds   Float64,
    watch_seconds    Float64 COMMENT 're-watching counts',
    progress         Nullable(Float64),
    has_completed_statement Bool,
    completed        Bool,
    seek_buckets     Array(Tuple(to_second UInt32, seeks UInt64, forward_seeks UInt64)) COMMENT '5-second buckets seeks land in',
    drop_off_buckets Array(Tuple(percent UInt8, sessions UInt64)) COMMENT 'sessions that ended early, by 5 % bucket',
    version          DateTime64(6, 'UTC'),
    is_deleted       UInt8,
    INDEX actor_key_bloom actor_key TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (section_id, video_id, actor_key)
{{shard_by sipHash64(section_id)}};

-- One row per video: its completion, audience retention per second, drop-off and seek hot spots.
CREATE TABLE IF NOT EXISTS video_state {{on_cluster}}
(
    section_id       String,
    video_id         String,
    video_name       String COMMENT 'the latest name seen, else the video id',
    video_length     Float64,
    completion_threshold Float64,
    viewers          UInt64,
    completers       UInt64,
    viewers_with_completed_statement UInt64,
    avg_progress     Nullable(Float64),
    viewers_per_second Array(UInt64) COMMENT 'element k+1: viewers who watched second k',
    drop_off         Array(Tuple(percent UInt8, sessions UInt64)),
    seek_hotspots    Array(Tuple(to_second UInt32, seeks UInt64, forward_seeks UInt64, learners UInt64)),
    version          DateTime64(6, 'UTC'),
    is_deleted       UInt8
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (section_id, video_id)
{{shard_by sipHash64(section_id)}};

-- One row per learner and section: what they watched, summed over their videos.
CREATE TABLE IF NOT EXISTS learner_state {{on_cluster}}
(
    section_id       String,
    actor_key        String,
    videos_watched   UInt64,
    sessions         UInt64,
    watch_seconds    Float64,
    unique_seconds   Float64,
    videos_completed UInt64,
    first_seen       DateTime64(3, 'UTC'),
    last_seen        DateTime64(3, 'UTC'),
    version          DateTime64(6, 'UTC'),
    is_deleted       UInt8
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (section_id, actor_key)
{{shard_by sipHash64(section_id)}};

-- One row per section: completion over its (learner, video) pairs.
CREATE TABLE IF NOT EXISTS section_state {{on_cluster}}
(
    section_id       String,
    videos           UInt64,
    learners         UInt64,
    viewers          UInt64,
    completers       UInt64,
    version          DateTime64(6, 'UTC'),
    is_deleted       UInt8
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY section_id
{{shard_by sipHash64(section_id)}};

-- One row per section and day: active learners and statements, and statements per verb.
CREATE TABLE IF NOT EXISTS daily_state {{on_cluster}}
(
    section_id       String,
    day              Date,
    active_learners  UInt64 COMMENT 'distinct actors with an active statement that day, voiding statements aside',
    statements       UInt64 COMMENT 'active statements that day, voiding statements aside',
    verbs            Array(Tuple(verb_id String, verb_display String, statements UInt64)) COMMENT 'active statements per verb, voiding ones included',
    version          DateTime64(6, 'UTC'),
    is_deleted       UInt8
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (section_id, day)
{{shard_by sipHash64(section_id)}};

-- ─── Analytics: how a refresh recomputes the state of what a set of loads touched ───────────────────────
-- Parameterized views, called as `INSERT INTO x_state SELECT * FROM x_refresh(load_ids = [...])` level by
-- level (src/analytics/refresh.ts). Each returns one row per touched key, deleted when nothing is left.

-- A load that voids statements touches their viewers and days too, wherever the targets were loaded. The
-- refresh first adds those keys to the load's own (these views, written under the first load's id), so
-- every level below reads one short list of keys.
CREATE VIEW IF NOT EXISTS voided_target_viewers {{on_cluster}} AS
SELECT DISTINCT {load_ids:Array(UUID)}[1] AS load_id, section_id, video_id, actor_key
FROM video_events
WHERE (section_id, statement_id) IN (
    SELECT section_id, voided_statement_id FROM load_touched_voids WHERE load_id IN {load_ids:Array(UUID)});

CREATE VIEW IF NOT EXISTS voided_target_days {{on_cluster}} AS
SELECT DISTINCT {load_ids:Array(UUID)}[1] AS load_id, section_id, toDate(timestamp) AS day
FROM statements
WHERE (section_id, statement_id) IN (
    SELECT section_id, voided_statement_id FROM load_touched_voids WHERE load_id IN {load_ids:Array(UUID)});

-- The keys to recompute are read from load_touched_* (the loads' own keys plus, see above, those of the
-- statements they void). Written for both analyzers: on a sharded cluster the subqueries sent to the
-- shards are analysed again there, the old way. So no WITH clause (it would be copied into every subquery,
-- where its columns do not exist), no parameterized view inside another (it would reach the shard without
-- its parameters), and tuple fields of lambda arguments read with tupleElement(x, 'name').
CREATE VIEW IF NOT EXISTS video_viewer_refresh {{on_cluster}} AS
SELECT
    t.section_id, t.video_id, t.actor_key,
    v.video_name, v.sessions, v.first_seen, v.last_seen, v.video_length, v.completion_threshold, v.segments,
    v.covered, v.unique_seconds, v.watch_seconds, v.progress, v.has_completed_statement, v.completed, v.seek_buckets,
    v.drop_off_buckets,
    now64(6) AS version,
    NOT v.present AS is_deleted
FROM (SELECT DISTINCT section_id, video_id, actor_key FROM load_touched_viewers WHERE load_id IN {load_ids:Array(UUID)}) AS t
LEFT JOIN
(
    -- Layer 3: the viewer, from their sessions and events.
    SELECT
        -- the video's length: as reported, else as far as this viewer played it
        toFloat64(coalesce(max_length, arrayMax(arrayMap(s -> s.2, all_segments)), 0)) AS length_seconds,
        arraySort(arrayFilter(s -> s.2 > s.1,
            arrayMap(s -> (greatest(s.1, 0.), least(s.2, if(length_seconds > 0, length_seconds, s.2))),
                arrayDistinct(all_segments)))) AS clipped,
        -- union length of sorted intervals: (covered so far, current start, current end)
        arrayFold((acc, s) -> if(s.1 > acc.3, (acc.1 + (acc.3 - acc.2), s.1, s.2), (acc.1, acc.2, greatest(acc.3, s.2))),
            clipped, (0., 0., 0.)) AS fold,
        fold.1 + (fold.3 - fold.2) AS unique_v,
        if(length_seconds > 0, least(1., round(unique_v / length_seconds, 3)), NULL) AS progress_v,
        -- second k is watched when a segment overlaps [k, k+1): segment (a, b) covers [floor(a), ceil(b))
        arrayFilter(r -> r.2 > r.1, arraySort(arrayMap(s -> (toUInt32(floor(s.1)),
            toUInt32(least(ceil(s.2), least(ceil(length_seconds), 86400)))), clipped))) AS ranges,
        arrayFold((acc, r) -> if(empty(acc) OR r.1 > acc[-1].2, arrayPushBack(acc, r),
                arrayPushBack(arrayPopBack(acc), (acc[-1].1, greatest(acc[-1].2, r.2)))),
            ranges, CAST([], 'Array(Tuple(UInt32, UInt32))')) AS covered_v,
        ifNull(max_threshold, 1.) AS threshold_v,
        section_id, video_id, actor_key,
        tupleElement(arraySort(s -> (tupleElement(s, 'ended_at'), tupleElement(s, 'session_id')), sessions_v)[-1], 'video_name') AS video_name,
        sessions_v AS sessions,
        first_seen_v AS first_seen,
        last_seen_v AS last_seen,
        length_seconds AS video_length,
        threshold_v AS completion_threshold,
        clipped AS segments,
        covered_v AS covered,
        unique_v AS unique_seconds,
        arraySum(arrayMap(s -> tupleElement(s, 'watch_seconds'), sessions_v)) AS watch_seconds,
        progress_v AS progress,
        arrayExists(s -> tupleElement(s, 'has_completed_statement'), sessions_v) AS has_completed_statement,
        if(length_seconds > 0, progress_v >= threshold_v, has_completed_statement) AS completed,
        seek_buckets_v AS seek_buckets,
        arrayMap(p -> (p, toUInt64(countEqual(drop_percents, p))), arraySort(arrayDistinct(drop_percents))) AS drop_off_buckets,
        true AS present
    FROM
    (
        -- Layer 2: the viewer's sessions (sorted by id) and what spans sessions.
        SELECT
            section_id, video_id, actor_key,
            arraySort(s -> tupleElement(s, 'session_id'), groupArray(session)) AS sessions_v,
            min(tupleElement(session, 'started_at')) AS first_seen_v,
            max(tupleElement(session, 'ended_at')) AS last_seen_v,
            max(tupleElement(session, 'video_length')) AS max_length,
            max(tupleElement(session, 'completion_threshold')) AS max_threshold,
            arrayFlatten(groupArray(session_all_segments)) AS all_segments,
            arrayFlatten(groupArray(session_seek_targets)) AS seek_targets,
            arrayMap(b -> (b, toUInt64(countEqual(arrayMap(x -> x.1, seek_targets), b)),
                    toUInt64(arrayCount(x -> x.1 = b AND x.2, seek_targets))),
                arraySort(arrayDistinct(arrayMap(x -> x.1, seek_targets)))) AS seek_buckets_v,
            arrayFilter(p -> p != 255, groupArray(drop_percent)) AS drop_percents
        FROM
        (
            -- Layer 1: one row per session, from the viewer's active events.
            SELECT
                section_id, video_id, actor_key,
                CAST((session_id,
                    argMax(video_name, (timestamp, statement_id)),
                    min(timestamp),
                    max(timestamp),
                    max(length),
                    max(completion_threshold),
                    -- the profile's list is cumulative within a session: the longest (then latest) is its whole play
                    argMax(played_segments, (length(played_segments), timestamp, statement_id)),
                    arraySum(s -> greatest(s.2 - s.1, 0), argMax(played_segments, (length(played_segments), timestamp, statement_id))),
                    argMax(coalesce(time, time_to), (timestamp, statement_id)),
                    countIf(verb_id = 'http://adlnet.gov/expapi/verbs/completed') > 0,
                    countIf(verb_id = 'https://w3id.org/xapi/video/verbs/seeked'),
                    count()),
                    'Tuple(session_id String, video_name String, started_at DateTime64(3, \'UTC\'), ended_at DateTime64(3, \'UTC\'), video_length Nullable(Float64), completion_threshold Nullable(Float64), session_segments Array(Tuple(start Float64, `end` Float64)), watch_seconds Float64, last_position Nullable(Float64), has_completed_statement Bool, seeks UInt64, events UInt64)'
                ) AS session,
                groupArrayArray(played_segments) AS session_all_segments,
                -- seeks landing at to_second (5-second buckets), and whether they went forward
                groupArrayIf((toUInt32(floor(assumeNotNull(time_to) / 5) * 5), time_to > time_from),
                    verb_id = 'https://w3id.org/xapi/video/verbs/seeked' AND time_to IS NOT NULL) AS session_seek_targets,
                -- a session that ended before the last second: the 5 % bucket it got to (255: none)
                if(tupleElement(session, 'video_length') > 0 AND tupleElement(session, 'last_position') IS NOT NULL
                        AND tupleElement(session, 'last_position') < tupleElement(session, 'video_length') - 1,
                    toUInt8(least(95, floor(tupleElement(session, 'last_position') / tupleElement(session, 'video_length') * 20) * 5)), 255) AS drop_percent
            FROM video_events FINAL
            WHERE (section_id, video_id, actor_key) IN (
                    SELECT section_id, video_id, actor_key FROM load_touched_viewers WHERE load_id IN {load_ids:Array(UUID)})
              AND (section_id, statement_id) NOT IN (
                    SELECT section_id, statement_id FROM voided_ids
                    WHERE section_id IN (SELECT section_id FROM load_touched_viewers WHERE load_id IN {load_ids:Array(UUID)}))
            GROUP BY section_id, video_id, actor_key, session_id
        )
        GROUP BY section_id, video_id, actor_key
    )
) AS v ON v.section_id = t.section_id AND v.video_id = t.video_id AND v.actor_key = t.actor_key;

-- The videos whose viewers a set of loads touched, from the viewers' current state.
CREATE VIEW IF NOT EXISTS video_refresh {{on_cluster}} AS
SELECT
    t.section_id, t.video_id,
    if(v.title = '', t.video_id, v.title) AS video_name,
    v.longest AS video_length, v.threshold AS completion_threshold, v.viewers, v.completers, v.viewers_with_completed_statement,
    v.avg_progress, v.viewers_per_second, v.drop_off, v.seek_hotspots,
    now64(6) AS version,
    NOT v.present AS is_deleted
FROM (SELECT DISTINCT section_id, video_id FROM load_touched_viewers WHERE load_id IN {load_ids:Array(UUID)}) AS t
LEFT JOIN
(
    SELECT
        section_id, video_id,
        argMax(video_name, (last_seen, actor_key)) AS title,
        max(video_length) AS longest,
        max(completion_threshold) AS threshold,
        count() AS viewers,
        countIf(completed) AS completers,
        countIf(has_completed_statement) AS viewers_with_completed_statement,
        if(countIf(progress IS NOT NULL) = 0, NULL,
            arraySum(arraySort(groupArrayIf(assumeNotNull(progress), progress IS NOT NULL))) / countIf(progress IS NOT NULL)) AS avg_progress,
        -- viewers per second, from each viewer's covered ranges in time linear in ranges + seconds:
        -- +1 where a range starts, -1 where it ends, summed, then each running count repeated over its seconds
        toUInt32(max(least(ceil(video_length), 86400))) AS seconds,
        sumMap(arrayFlatten(arrayMap(r -> [r.1, r.2], covered)),
            arrayFlatten(arrayMap(r -> [toInt64(1), toInt64(-1)], covered))) AS deltas,
        arrayPushFront(deltas.1, toUInt32(0)) AS change_at,
        arrayPushFront(arrayCumSum(deltas.2), toInt64(0)) AS running,
        arrayFlatten(arrayMap((from, to, n) -> arrayWithConstant(to - from, toUInt64(n)),
            change_at, arrayPushBack(arrayPopFront(change_at), seconds), running)) AS viewers_per_second,
        arrayMap(p -> (p, arraySum(arrayMap(b -> if(b.1 = p, b.2, 0), groupArrayArray(drop_off_buckets)))),
            arraySort(arrayDistinct(arrayMap(b -> b.1, groupArrayArray(drop_off_buckets))))) AS drop_off,
        arrayMap(k -> (k,
                arraySum(arrayMap(b -> if(b.1 = k, b.2, 0), groupArrayArray(seek_buckets))),
                arraySum(arrayMap(b -> if(b.1 = k, b.3, 0), groupArrayArray(seek_buckets))),
                toUInt64(arrayCount(b -> b.1 = k, groupArrayArray(seek_buckets)))),
            arraySort(arrayDistinct(arrayMap(b -> b.1, groupArrayArray(seek_buckets))))) AS seek_hotspots,
        true AS present
    FROM video_viewer_state FINAL
    WHERE (section_id, video_id) IN (SELECT section_id, video_id FROM load_touched_viewers WHERE load_id IN {load_ids:Array(UUID)})
    GROUP BY section_id, video_id
) AS v ON v.section_id = t.section_id AND v.video_id = t.video_id;

-- The learners whose viewers a set of loads touched.
CREATE VIEW IF NOT EXISTS learner_refresh {{on_cluster}} AS
SELECT
    t.section_id, t.actor_key,
    v.videos_watched, v.sessions, v.watch_seconds, v.unique_seconds, v.videos_completed, v.first_seen, v.last_seen,
    now64(6) AS version,
    NOT v.present AS is_deleted
FROM (SELECT DISTINCT section_id, actor_key FROM load_touched_viewers WHERE load_id IN {load_ids:Array(UUID)}) AS t
LEFT JOIN
(
    SELECT
        section_id, actor_key,
        count() AS videos_watched,
        sum(length(video_viewer_state.sessions)) AS sessions,
        round(arraySum(arraySort(groupArray(video_viewer_state.watch_seconds))), 3) AS watch_seconds,
        round(arraySum(arraySort(groupArray(video_viewer_state.unique_seconds))), 3) AS unique_seconds,
        countIf(completed) AS videos_completed,
        min(video_viewer_state.first_seen) AS first_seen,
        max(video_viewer_state.last_seen) AS last_seen,
        true AS present
    FROM video_viewer_state FINAL
    WHERE section_id IN (SELECT section_id FROM load_touched_viewers WHERE load_id IN {load_ids:Array(UUID)})
      AND (section_id, actor_key) IN (SELECT section_id, actor_key FROM load_touched_viewers WHERE load_id IN {load_ids:Array(UUID)})
    GROUP BY section_id, actor_key
) AS v ON v.section_id = t.section_id AND v.actor_key = t.actor_key;

-- The sections whose viewers a set of loads touched, from their videos' and learners' state.
CREATE VIEW IF NOT EXISTS section_refresh {{on_cluster}} AS
SELECT
    t.section_id,
    v.videos, l.learners, v.viewers, v.completers,
    now64(6) AS version,
    NOT v.present AS is_deleted
FROM (SELECT DISTINCT section_id FROM load_touched_viewers WHERE load_id IN {load_ids:Array(UUID)}) AS t
LEFT JOIN
(
    SELECT section_id, count() AS videos, sum(video_state.viewers) AS viewers, sum(video_state.completers) AS completers,
        true AS present
    FROM video_state FINAL
    WHERE section_id IN (SELECT section_id FROM load_touched_viewers WHERE load_id IN {load_ids:Array(UUID)})
    GROUP BY section_id
) AS v ON v.section_id = t.section_id
LEFT JOIN
(
    SELECT section_id, count() AS learners
    FROM learner_state FINAL
    WHERE section_id IN (SELECT section_id FROM load_touched_viewers WHERE load_id IN {load_ids:Array(UUID)})
    GROUP BY section_id
) AS l ON l.section_id = t.section_id;

-- The days a set of loads touched, from those days' active statements.
CREATE VIEW IF NOT EXISTS daily_refresh {{on_cluster}} AS
SELECT
    t.section_id, t.day,
    v.active_learners, v.statements, v.verbs,
    now64(6) AS version,
    NOT v.present AS is_deleted
FROM (SELECT DISTINCT section_id, day FROM load_touched_days WHERE load_id IN {load_ids:Array(UUID)}) AS t
LEFT JOIN
(
    SELECT
        section_id, day,
        length(groupUniqArrayArray(learners)) AS active_learners,
        sum(not_voiding) AS statements,
        arraySort(groupArray((verb_id, verb_display, all))) AS verbs,
        true AS present
    FROM
    (
        SELECT
            section_id, toDate(timestamp) AS day, verb_id,
            minIf(statements.verb_display, statements.verb_display != '') AS verb_display,
            count() AS all,
            countIf(voided_statement_id IS NULL) AS not_voiding,
            groupUniqArrayIf(actor_key, voided_statement_id IS NULL) AS learners
        FROM statements FINAL
        WHERE (section_id, toDate(timestamp)) IN (SELECT section_id, day FROM load_touched_days WHERE load_id IN {load_ids:Array(UUID)})
          AND (voided_statement_id IS NOT NULL OR (section_id, statement_id) NOT IN (
                SELECT section_id, statement_id FROM voided_ids
                WHERE section_id IN (SELECT section_id FROM load_touched_days WHERE load_id IN {load_ids:Array(UUID)})))
        GROUP BY section_id, day, verb_id
    )
    GROUP BY section_id, day
) AS v ON v.section_id = t.section_id AND v.day = t.day;

-- ─── Analytics: the public views (names and columns documented in the README) ──────────────────────────

-- One row per viewing session: what that session played, where it ended.
CREATE VIEW IF NOT EXISTS video_sessions {{on_cluster}} AS
SELECT
    section_id, video_id, actor_key,
    s.session_id AS session_id, s.video_name AS video_name, s.started_at AS started_at, s.ended_at AS ended_at,
    s.video_length AS video_length, s.completion_threshold AS completion_threshold,
    s.session_segments AS session_segments, s.watch_seconds AS watch_seconds, s.last_position AS last_position,
    s.has_completed_statement AS has_completed_statement, s.seeks AS seeks, s.events AS events
FROM video_viewer_state FINAL
ARRAY JOIN sessions AS s;

-- One row per viewer of a video: coverage, watch time, completion.
CREATE VIEW IF NOT EXISTS video_viewers {{on_cluster}} AS
SELECT
    section_id, video_id, actor_key, video_name, length(video_viewer_state.sessions) AS sessions, first_seen, last_seen,
    video_length, completion_threshold, segments, unique_seconds, watch_seconds, progress,
    has_completed_statement, completed
FROM video_viewer_state FINAL;

-- Audience retention: for every second of every video, the share of its viewers who watched it.
CREATE VIEW IF NOT EXISTS video_retention {{on_cluster}} AS
SELECT
    section_id, video_id, video_name,
    toUInt32(position - 1) AS second,
    viewers_at_second AS viewers,
    video_state.viewers AS total_viewers,
    viewers_at_second / video_state.viewers AS share
FROM video_state FINAL
ARRAY JOIN viewers_per_second AS viewers_at_second, arrayEnumerate(viewers_per_second) AS position;

-- Completion per video: viewers, viewers who reached the threshold, and the rate.
CREATE VIEW IF NOT EXISTS video_completion {{on_cluster}} AS
SELECT
    section_id, video_id, video_name, video_length, completion_threshold, viewers, completers,
    viewers_with_completed_statement, completers / viewers AS completion_rate, avg_progress
FROM video_state FINAL;

-- Completion per section: over every (learner, video) pair seen in the section.
CREATE VIEW IF NOT EXISTS section_video_completion {{on_cluster}} AS
SELECT section_id, videos, learners, viewers, completers, completers / viewers AS completion_rate
FROM section_state FINAL;

-- Watch time per learner and section: time spent playing (re-watching counts) and distinct seconds seen.
CREATE VIEW IF NOT EXISTS learner_watch_time {{on_cluster}} AS
SELECT section_id, actor_key, videos_watched, sessions, watch_seconds, unique_seconds, videos_completed, first_seen, last_seen
FROM learner_state FINAL;

-- Drop-off points: sessions that ended before the end of the video, by how far they got (5% buckets).
CREATE VIEW IF NOT EXISTS video_drop_off {{on_cluster}} AS
SELECT section_id, video_id, video_name, d.percent AS percent, d.sessions AS sessions
FROM video_state FINAL
ARRAY JOIN drop_off AS d;

-- Seek hot spots: where viewers seek to (5-second buckets), and how many seeks go forward.
CREATE VIEW IF NOT EXISTS video_seek_hotspots {{on_cluster}} AS
SELECT
    section_id, video_id, video_name,
    h.to_second AS to_second, h.seeks AS seeks, h.forward_seeks AS forward_seeks, h.learners AS learners
FROM video_state FINAL
ARRAY JOIN seek_hotspots AS h;

-- Active learners per day and section: anyone with a (non-voided) statement that day, voiding ones aside.
CREATE VIEW IF NOT EXISTS daily_active_learners {{on_cluster}} AS
SELECT day, section_id, active_learners, statements
FROM daily_state FINAL
WHERE statements > 0;

-- Verbs over time: statements per day, section and verb.
CREATE VIEW IF NOT EXISTS daily_verbs {{on_cluster}} AS
SELECT day, section_id, v.verb_id AS verb_id, v.verb_display AS verb_display, v.statements AS statements
FROM daily_state FINAL
ARRAY JOIN verbs AS v;
