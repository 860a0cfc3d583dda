-- 0001: the core tables and the load pipeline.
--
-- How a line becomes a row (the only place a statement is mapped):
--   INSERT INTO ingest_lines SELECT … FROM s3()/file()        (src/load/insert-sql.ts: raw lines + file metadata)
--     └─ ingest_parse_mv   parses each line ONCE (one JSONExtract into a typed tuple) ─▶ ingest_parsed
--          ├─ statements_mv         good rows            ─▶ statements
--          ├─ video_events_mv       video-profile rows   ─▶ video_events
--          ├─ rejected_mv           bad rows + reason    ─▶ rejected_statements
--          └─ ingest_file_counts_mv per-file counts       ─▶ ingest_file_counts (feeds the ledger)
-- ingest_lines and ingest_parsed are Null tables: rows flow through them and are never stored.
--
-- {{on_cluster}} becomes `ON CLUSTER name` and MergeTree engines become Replicated* when
-- CLICKHOUSE_CLUSTER is set (src/schema/cluster-sql.ts).

CREATE TABLE IF NOT EXISTS ingest_lines {{on_cluster}}
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

CREATE TABLE IF NOT EXISTS ingest_parsed {{on_cluster}}
(
    load_id        UUID,
    load_mode      LowCardinality(String),
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
    context_extensions   Map(String, String) COMMENT 'extension IRI -> raw JSON value',
    result_score_scaled  Nullable(Float64),
    result_score_raw     Nullable(Float64),
    result_score_min     Nullable(Float64),
    result_score_max     Nullable(Float64),
    result_success       Nullable(Bool),
    result_completion    Nullable(Bool),
    result_response      Nullable(String),
    result_duration      Nullable(String),
    result_extensions    Map(String, String) COMMENT 'extension IRI -> raw JSON value',
    voided_statement_id  Nullable(UUID) COMMENT 'for voiding statements: the statement they void',
    section_id     String,
    event_type     LowCardinality(String),
    source_bucket  String,
    source_key     String,
    source_etag    String,
    line_number    UInt64,
    load_id        UUID,
    loaded_at      DateTime64(3, 'UTC') DEFAULT now64(3),
    raw            String COMMENT 'the statement as it was in the file' CODEC(ZSTD(3))
)
ENGINE = ReplacingMergeTree(loaded_at)
PARTITION BY toYYYYMM(timestamp)
ORDER BY (section_id, statement_id);

CREATE TABLE IF NOT EXISTS video_events {{on_cluster}}
(
    statement_id   UUID,
    timestamp      DateTime64(3, 'UTC'),
    section_id     String,
    actor_key      String,
    verb_id        LowCardinality(String),
    video_id       String,
    session_id     String,
    time           Nullable(Float64),
    progress       Nullable(Float64),
    length         Nullable(Float64),
    source_key     String,
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
    raw            String CODEC(ZSTD(3)),
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

CREATE MATERIALIZED VIEW IF NOT EXISTS ingest_parse_mv {{on_cluster}} TO ingest_parsed AS
WITH
    -- The one parse: the whole statement into a typed tuple. NULL means the line is not JSON.
    JSONExtract(clean_line, 'Nullable(Tuple(
        id Nullable(String),
        actor Nullable(Tuple(objectType Nullable(String), name Nullable(String), mbox Nullable(String),
            mbox_sha1sum Nullable(String), openid Nullable(String),
            account Nullable(Tuple(homePage Nullable(String), name Nullable(String))))),
        verb Nullable(Tuple(id Nullable(String), display Map(String, String))),
        object Nullable(Tuple(objectType Nullable(String), id Nullable(String),
            definition Nullable(Tuple(type Nullable(String), name Map(String, String))))),
        result Nullable(Tuple(
            score Nullable(Tuple(scaled Nullable(Float64), raw Nullable(Float64), min Nullable(Float64), max Nullable(Float64))),
            success Nullable(Bool), completion Nullable(Bool), response Nullable(String), duration Nullable(String),
            extensions Map(String, String))),
        context Nullable(Tuple(registration Nullable(String), platform Nullable(String), language Nullable(String),
            contextActivities Nullable(Tuple(parent Array(Tuple(id Nullable(String))), grouping Array(Tuple(id Nullable(String))),
                category Array(Tuple(id Nullable(String))), other Array(Tuple(id Nullable(String))))),
            extensions Map(String, String))),
        timestamp Nullable(String),
        stored Nullable(String),
        version Nullable(String)
    ))') AS s,
    trimRight(replaceRegexpOne(line, '^\xEF\xBB\xBF', ''), '\r') AS clean_line,
    startsWith(trimLeft(clean_line), '{') AS is_object_text,
    s.actor AS a,
    lower(trimBoth(ifNull(a.mbox, ''))) AS mbox_norm,
    multiIf(
        mbox_norm != '', concat('mbox::', if(startsWith(mbox_norm, 'mailto:'), mbox_norm, concat('mailto:', mbox_norm))),
        ifNull(a.mbox_sha1sum, '') != '', concat('mbox_sha1sum::', lower(a.mbox_sha1sum)),
        ifNull(a.openid, '') != '', concat('openid::', a.openid),
        ifNull(a.account.name, '') != '' AND ifNull(a.account.homePage, '') != '',
            concat('account::', trimRight(a.account.homePage, '/'), '::', a.account.name),
        '') AS actor_key_v,
    s.id AS id_text,
    toUUIDOrNull(ifNull(id_text, '')) AS id_uuid,
    parseDateTime64BestEffortOrNull(ifNull(s.timestamp, ''), 3, 'UTC') AS ts_parsed,
    parseDateTime64BestEffortOrNull(ifNull(s.stored, ''), 3, 'UTC') AS stored_parsed,
    multiIf(
        clean_line = '', 'empty_line',
        NOT is_object_text AND isValidJSON(clean_line), 'not_an_object',
        s IS NULL, 'invalid_json',
        actor_key_v = '' AND a.objectType IS NULL, 'missing_actor',
        actor_key_v = '' AND ifNull(a.objectType, '') != 'Group', 'missing_actor_identifier',
        ifNull(s.verb.id, '') = '', 'missing_verb_id',
        s.object IS NULL, 'missing_object',
        id_text IS NOT NULL AND id_uuid IS NULL, 'invalid_statement_id',
        s.timestamp IS NOT NULL AND ts_parsed IS NULL, 'invalid_timestamp',
        '') AS reason
SELECT
    load_id, load_mode, source_bucket, source_key, source_etag, source_time, line_number, section_id, event_type,
    clean_line AS raw_line,
    reason AS reject_reason,
    multiIf(
        reason = 'empty_line', 'the line is empty',
        reason = 'not_an_object', 'the line is JSON but not an object',
        reason = 'invalid_json', 'the line is not valid JSON',
        reason = 'missing_actor', 'the statement has no actor',
        reason = 'missing_actor_identifier', 'the actor has no mbox, mbox_sha1sum, openid or account',
        reason = 'missing_verb_id', 'the statement has no verb id',
        reason = 'missing_object', 'the statement has no object',
        reason = 'invalid_statement_id', concat('the id is not a UUID: ', left(ifNull(id_text, ''), 100)),
        reason = 'invalid_timestamp', concat('the timestamp cannot be parsed: ', left(ifNull(s.timestamp, ''), 100)),
        '') AS reject_detail,
    -- A statement without an id gets a deterministic one from its content, so a reload never duplicates it.
    ifNull(id_uuid, reinterpretAsUUID(sipHash128(clean_line))) AS statement_id,
    id_uuid IS NOT NULL AS has_id,
    coalesce(ts_parsed, stored_parsed, toDateTime64(source_time, 3, 'UTC')) AS timestamp,
    stored_parsed AS stored,
    ifNull(s.version, '') AS version,
    ifNull(a.objectType, 'Agent') AS actor_object_type,
    ifNull(a.name, '') AS actor_name,
    actor_key_v AS actor_key,
    ifNull(s.verb.id, '') AS verb_id,
    if(mapContains(s.verb.display, 'en-US'), s.verb.display['en-US'],
        ifNull(arrayElementOrNull(mapValues(s.verb.display), 1), '')) AS verb_display,
    ifNull(s.object.objectType, 'Activity') AS object_type,
    ifNull(s.object.id, '') AS object_id,
    ifNull(s.object.definition.type, '') AS object_definition_type,
    if(mapContains(s.object.definition.name, 'en-US'), s.object.definition.name['en-US'],
        ifNull(arrayElementOrNull(mapValues(s.object.definition.name), 1), '')) AS object_name,
    toUUIDOrNull(ifNull(s.context.registration, '')) AS registration,
    ifNull(s.context.platform, '') AS platform,
    ifNull(s.context.language, '') AS language,
    arrayMap(x -> ifNull(x.id, ''), s.context.contextActivities.parent) AS context_parent_ids,
    arrayMap(x -> ifNull(x.id, ''), s.context.contextActivities.grouping) AS context_grouping_ids,
    arrayMap(x -> ifNull(x.id, ''), s.context.contextActivities.category) AS context_category_ids,
    arrayMap(x -> ifNull(x.id, ''), s.context.contextActivities.other) AS context_other_ids,
    s.context.extensions AS context_extensions,
    s.result.score.scaled AS result_score_scaled,
    s.result.score.raw AS result_score_raw,
    s.result.score.min AS result_score_min,
    s.result.score.max AS result_score_max,
    s.result.success AS result_success,
    s.result.completion AS result_completion,
    s.result.response AS result_response,
    s.result.duration AS result_duration,
    s.result.extensions AS result_extensions,
    if(s.verb.id = 'http://adlnet.gov/expapi/verbs/voided' AND s.object.objectType = 'StatementRef',
        toUUIDOrNull(ifNull(s.object.id, '')), NULL) AS voided_statement_id,
    -- xAPI Video Profile: the video activity type, the profile in the category, or a profile verb.
    reason = '' AND (object_definition_type = 'https://w3id.org/xapi/video/activity-type/video'
        OR has(context_category_ids, 'https://w3id.org/xapi/video')
        OR startsWith(verb_id, 'https://w3id.org/xapi/video/verbs/')) AS is_video
FROM ingest_lines;

CREATE MATERIALIZED VIEW IF NOT EXISTS statements_mv {{on_cluster}} TO statements AS
SELECT
    statement_id, has_id, timestamp, stored, version, actor_object_type, actor_name, actor_key, verb_id, verb_display,
    object_type, object_id, object_definition_type, object_name, registration, platform, language,
    context_parent_ids, context_grouping_ids, context_category_ids, context_other_ids, context_extensions,
    result_score_scaled, result_score_raw, result_score_min, result_score_max, result_success, result_completion,
    result_response, result_duration, result_extensions, voided_statement_id,
    section_id, event_type, source_bucket, source_key, source_etag, line_number, load_id, raw_line AS raw
FROM ingest_parsed
WHERE reject_reason = '';

CREATE MATERIALIZED VIEW IF NOT EXISTS video_events_mv {{on_cluster}} TO video_events AS
WITH
    -- Extension values are raw JSON; Open edX writes its own session-id extension.
    if(mapContains(context_extensions, 'https://w3id.org/xapi/video/extensions/session-id'),
        context_extensions['https://w3id.org/xapi/video/extensions/session-id'],
        context_extensions['https://w3id.org/xapi/openedx/extensions/session-id']) AS session_id_raw
SELECT
    statement_id, timestamp, section_id, actor_key, verb_id,
    object_id AS video_id,
    JSONExtractString(session_id_raw) AS session_id,
    toFloat64OrNull(coalesce(nullIf(result_extensions['https://w3id.org/xapi/video/extensions/time'], ''),
        result_extensions['https://w3id.org/xapi/video/extensions/time-to'])) AS time,
    toFloat64OrNull(result_extensions['https://w3id.org/xapi/video/extensions/progress']) AS progress,
    toFloat64OrNull(coalesce(nullIf(context_extensions['https://w3id.org/xapi/video/extensions/length'], ''),
        result_extensions['https://w3id.org/xapi/video/extensions/length'])) AS length,
    source_key, load_id
FROM ingest_parsed
WHERE is_video;

CREATE MATERIALIZED VIEW IF NOT EXISTS rejected_mv {{on_cluster}} TO rejected_statements AS
SELECT
    section_id, event_type, source_bucket, source_key, source_etag, line_number,
    reject_reason AS reason, reject_detail AS detail, raw_line AS raw, load_id
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

-- Statements that no statement voids. A voiding statement itself is never voided (xAPI 1.0.3 §2.3.2).
CREATE VIEW IF NOT EXISTS statements_active {{on_cluster}} AS
SELECT *
FROM statements FINAL
WHERE statement_id NOT IN (
    SELECT assumeNotNull(voided_statement_id) FROM statements FINAL WHERE voided_statement_id IS NOT NULL
) OR voided_statement_id IS NOT NULL;

CREATE VIEW IF NOT EXISTS video_events_active {{on_cluster}} AS
SELECT *
FROM video_events FINAL
WHERE statement_id NOT IN (
    SELECT assumeNotNull(voided_statement_id) FROM statements FINAL WHERE voided_statement_id IS NOT NULL
);
