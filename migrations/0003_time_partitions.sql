-- 0003: day 2 in production. The raw tables move to time partitions (retention drops whole months), voiding
-- follows the statement id across sections, learners can be erased, and the derived objects (parse views,
-- routing, voiding, analytics) move to migrations/derived/, where a change ships without editing this file.
--
-- What changes, and why:
--   * statements, video_events, voided_statements and rejected_statements are partitioned by month:
--     PARTITION BY toYYYYMM(statement_date) (rejected lines: the month of their file's time). statement_date is
--     the day of the statement's own time, `timestamp` else `stored`, and 1970-01-01 for a statement carrying
--     neither (its `timestamp` column then holds the file's time, as before, but two copies of it in two files
--     still land in one place and meet). A load spanning any number of months is accepted
--     (max_partitions_per_insert_block is raised for the load INSERT: a 12-year export is 144 months).
--   * statements are sorted (section_id, statement_date, actor_key, statement_id): a section's days are ranges, as
--     before, and a learner's day is one too (the daily analytics re-read only the learners a load touched).
--   * person_keys: every agent key a statement names (actor, members, object, instructor, team, authority, a
--     SubStatement's actor and object), with a bloom filter: erasure finds a learner without a full scan.
--   * statement_index (statement id → its sections), load_statements (a load's statement ids, for a day) and
--     voided_in_section (a voided statement, in its own section): voiding by id, resolved at load time.
--   * erasures / erased_keys: what `xapi-etl erase` removed (hashes and counts only) and keeps out.
--   * expirations: what `xapi-etl expire` dropped.
--   * analytics_rebuilds / analytics_rebuild_sections: the progress of a rebuild of the maintained analytics.
--
-- Loads are paused while the raw rows move (@pause-loads): a load meanwhile fails with TABLE_IS_READ_ONLY, which
-- every xapi-etl version retries. The move re-parses each stored line with this version's parse views
-- (@procedure move-raw-tables), so an upgraded database holds exactly what a fresh load of the same files gives.
-- The derived objects this version installs (migrate checks each file against its sha256):
-- @derived 10_parse_views.sql e9bad1a1c914e56590e4aea0533c25a77b1bd0a531d3912b871f8c17513531d3
-- @derived 20_routing.sql 53242bf9a011f922f06ed3cfb6e5ca9d59bfddf7efdae6d0ed80d7282c2e765d
-- @derived 30_voiding.sql 10a9fc8acee13b65ab6ecbae604d02806730f0a4dee05ea19b8e0bd44b7e374b
-- @derived 40_analytics_state.sql 2b0bfdcf1b4cb58c8664bb86df54d97c335f5ca5b68c0c4a921196da36aabb59
-- @derived 50_analytics_views.sql 97356e88ef279a2cef171ad8f2e2c7fd1425b120ff42f323ecc46a542e740d31

-- ─── New columns of the parse ────────────────────────────────────────────────────────────────────────────

ALTER TABLE ingest_parsed {{on_cluster}}
    ADD COLUMN IF NOT EXISTS statement_date Date,
    ADD COLUMN IF NOT EXISTS person_keys Array(String);

-- The statement a voiding statement names, and the voiding statement itself (resolution reads both).
ALTER TABLE {{local load_touched_voids}} {{on_cluster}} ADD COLUMN IF NOT EXISTS voiding_statement_id UUID;
ALTER TABLE load_touched_voids {{on_cluster}} ADD COLUMN IF NOT EXISTS voiding_statement_id UUID;

-- ─── The raw tables in the time layout (filled by the move, then exchanged with the old ones) ──────────────

CREATE TABLE IF NOT EXISTS statements__relayout {{on_cluster}}
(
    statement_id   UUID,
    has_id         Bool COMMENT 'false when the id was derived from the statement content',
    timestamp      DateTime64(3, 'UTC') COMMENT 'statement timestamp, else stored, else the time the file key names, else the object''s',
    statement_date Date COMMENT 'the day of timestamp, else of stored; 1970-01-01 when the statement carries neither',
    stored         Nullable(DateTime64(3, 'UTC')),
    version        LowCardinality(String),
    actor_object_type LowCardinality(String),
    actor_name     String,
    actor_key      String COMMENT 'normalised identifier: mbox::, mbox_sha1sum::, openid::, account::homePage::name, group::',
    actor_member_keys Array(String) COMMENT 'Groups: the members'' normalised keys',
    person_keys    Array(String) COMMENT 'every agent key the statement names (erasure finds a learner by them)',
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
    INDEX statement_id_bloom statement_id TYPE bloom_filter(0.01) GRANULARITY 1,
    INDEX person_keys_bloom person_keys TYPE bloom_filter(0.001) GRANULARITY 1
)
ENGINE = ReplacingMergeTree(loaded_at)
PARTITION BY toYYYYMM(statement_date)
ORDER BY (section_id, statement_date, actor_key, statement_id)
{{shard_by sipHash64(section_id)}};

CREATE TABLE IF NOT EXISTS video_events__relayout {{on_cluster}}
(
    statement_id   UUID,
    timestamp      DateTime64(3, 'UTC'),
    statement_date Date,
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
PARTITION BY toYYYYMM(statement_date)
ORDER BY (section_id, video_id, actor_key, session_id, statement_id)
{{shard_by sipHash64(section_id)}};

-- Every voiding statement, found by the statement it voids (the load of a target looks its voids up here).
CREATE TABLE IF NOT EXISTS voided_statements__relayout {{on_cluster}}
(
    section_id           String COMMENT 'the voiding statement''s section',
    voided_statement_id  UUID,
    voiding_statement_id UUID,
    timestamp            DateTime64(3, 'UTC'),
    statement_date       Date COMMENT 'the voiding statement''s',
    load_id              UUID,
    loaded_at            DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(loaded_at)
PARTITION BY toYYYYMM(statement_date)
ORDER BY (voided_statement_id, voiding_statement_id, section_id)
{{shard_by sipHash64(section_id)}};

CREATE TABLE IF NOT EXISTS rejected_statements__relayout {{on_cluster}}
(
    section_id     String,
    event_type     LowCardinality(String),
    source_bucket  String,
    source_key     String,
    source_etag    String,
    source_time    DateTime64(3, 'UTC') COMMENT 'the time the file key names, else the object''s: the partition',
    line_number    UInt64 COMMENT '1-based line in the file',
    reason         LowCardinality(String) COMMENT 'machine-readable reason code',
    detail         String COMMENT 'human-readable explanation',
    validation     LowCardinality(String) COMMENT 'lenient or strict: the rules the line was checked against',
    raw            String CODEC(ZSTD(1)),
    person_keys    Array(String) COMMENT 'the agent keys the line names (erasure finds a learner''s lines by them)',
    load_id        UUID,
    rejected_at    DateTime64(3, 'UTC') DEFAULT now64(3),
    INDEX person_keys_bloom person_keys TYPE bloom_filter(0.001) GRANULARITY 1
)
ENGINE = ReplacingMergeTree(rejected_at)
PARTITION BY toYYYYMM(source_time)
ORDER BY (section_id, source_bucket, source_key, source_etag, line_number)
{{shard_by sipHash64(section_id)}};

-- ─── Voiding by statement id (xAPI 1.0.3 §2.3.2), whichever section each statement arrived in ────────────

-- Where each statement is: a voiding statement finds its target's sections here by id (a primary-key read).
CREATE TABLE IF NOT EXISTS statement_index {{on_cluster}}
(
    statement_id   UUID,
    section_id     String,
    statement_date Date,
    is_voiding     Bool,
    load_id        UUID,
    loaded_at      DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(loaded_at)
PARTITION BY toYYYYMM(statement_date)
ORDER BY (statement_id, section_id)
{{shard_by sipHash64(statement_id)}};

-- The statements each load wrote, for a day: after its INSERT a load looks up which of them a void names.
CREATE TABLE IF NOT EXISTS load_statements {{on_cluster}}
(
    load_id        UUID,
    section_id     String,
    statement_id   UUID,
    statement_date Date,
    is_voiding     Bool,
    created_at     DateTime('UTC') DEFAULT now()
)
ENGINE = MergeTree
ORDER BY (load_id, statement_id)
TTL created_at + INTERVAL 1 DAY
SETTINGS ttl_only_drop_parts = 1
{{shard_by sipHash64(section_id)}};

-- The voided statements, each in its own section (found by a voiding statement of any section). A statement
-- is voided when a row names it here; a voiding statement is never a target (resolution leaves them out).
CREATE TABLE IF NOT EXISTS voided_in_section {{on_cluster}}
(
    section_id           String COMMENT 'the voided statement''s section',
    statement_id         UUID COMMENT 'the voided statement',
    statement_date       Date COMMENT 'the voided statement''s (its partition: it expires with it)',
    voiding_statement_id UUID,
    load_id              UUID COMMENT 'the load that resolved it (its analytics refresh recomputes the target''s keys)',
    resolved_at          DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(resolved_at)
PARTITION BY toYYYYMM(statement_date)
ORDER BY (section_id, statement_id, voiding_statement_id)
{{shard_by sipHash64(section_id)}};

-- ─── Per load: the learners' days a load touched, and the loads a reload replaced ─────────────────────────

-- (section, day, learner) of every statement a load wrote (and, added by the refresh, of those it voided): the
-- daily analytics re-read those learners' days only (v0.1.0's load_touched_days has the days alone).
CREATE TABLE IF NOT EXISTS load_touched_actor_days {{on_cluster}}
(
    load_id     UUID,
    section_id  String,
    day         Date,
    actor_key   String,
    created_at  DateTime('UTC') DEFAULT now()
)
ENGINE = ReplacingMergeTree
ORDER BY (load_id, section_id, day, actor_key)
TTL created_at + INTERVAL 30 DAY
{{shard_by sipHash64(section_id)}};

-- The loads a reload, retry or takeover replaced. The load does not delete their rows (no mutation on the load
-- path): its own rows replace them by each table's key (ReplacingMergeTree), and what is left of them (a line of
-- an earlier version of the file, say) is deleted in batches by `xapi-etl cleanup`, one partition at a time.
CREATE TABLE IF NOT EXISTS superseded_loads {{on_cluster}}
(
    load_id        UUID,
    section_id     String COMMENT 'the section of its file (the DELETE reads that section''s range only)',
    superseded_by  UUID,
    superseded_at  DateTime64(3, 'UTC') DEFAULT now64(3),
    cleaned_at     Nullable(DateTime64(3, 'UTC')) COMMENT 'when its remaining rows were deleted',
    updated_at     DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY load_id
{{shard_by 0}};

-- ─── Erasure (xapi-etl erase) and retention (xapi-etl expire) ──────────────────────────────────────────────

-- One row per erasure: when, the SHA-256 of each identifier erased, and what was removed. Never a name or a
-- mailbox.
CREATE TABLE IF NOT EXISTS erasures {{on_cluster}}
(
    erasure_id     UUID,
    requested_at   DateTime64(3, 'UTC'),
    finished_at    Nullable(DateTime64(3, 'UTC')),
    key_hashes     Array(String) COMMENT 'hex SHA-256 of each normalised agent key erased',
    status         LowCardinality(String) COMMENT 'running, done',
    removed        Map(String, UInt64) COMMENT 'rows removed, per table',
    updated_at     DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY erasure_id
{{shard_by 0}};

-- The erased keys, by hash: every load reads them, and stores nothing of a statement that names one.
CREATE TABLE IF NOT EXISTS erased_keys {{on_cluster}}
(
    key_hash       String COMMENT 'hex SHA-256 of a normalised agent key',
    erasure_id     UUID,
    erased_at      DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(erased_at)
ORDER BY key_hash
{{shard_by 0}};

-- The statements an erasure removed (ids only): its dependent rows and analytics are found by them.
CREATE TABLE IF NOT EXISTS erased_statements {{on_cluster}}
(
    erasure_id     UUID,
    section_id     String,
    statement_date Date,
    statement_id   UUID,
    is_voiding     Bool
)
ENGINE = ReplacingMergeTree
ORDER BY (erasure_id, section_id, statement_date, statement_id)
{{shard_by 0}};

CREATE TABLE IF NOT EXISTS expirations {{on_cluster}}
(
    expired_at     DateTime64(3, 'UTC') DEFAULT now64(3),
    retention_days UInt32,
    before_month   UInt32 COMMENT 'every month before this one (YYYYMM) was dropped',
    partitions     Array(String) COMMENT 'table:partition',
    rows           Map(String, UInt64) COMMENT 'rows dropped, per table'
)
ENGINE = MergeTree
ORDER BY expired_at
{{shard_by 0}};

-- ─── Rebuilds of the maintained analytics (src/analytics/rebuild.ts) ───────────────────────────────────────

CREATE TABLE IF NOT EXISTS analytics_rebuilds {{on_cluster}}
(
    rebuild_id     UUID,
    checksum       String COMMENT 'sha256 of the analytics definition being built',
    status         LowCardinality(String) COMMENT 'building, done',
    started_at     DateTime64(3, 'UTC'),
    finished_at    Nullable(DateTime64(3, 'UTC')),
    sections_total UInt64,
    updated_at     DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(updated_at)
ORDER BY rebuild_id
{{shard_by 0}};

CREATE TABLE IF NOT EXISTS analytics_rebuild_sections {{on_cluster}}
(
    rebuild_id     UUID,
    section_id     String,
    statements     UInt64,
    load_id        UUID COMMENT 'the touched keys it refreshed were written under this id (not a load: the catch-up skips it)',
    done_at        DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = ReplacingMergeTree(done_at)
ORDER BY (rebuild_id, section_id)
{{shard_by 0}};

-- ─── The move ──────────────────────────────────────────────────────────────────────────────────────────────

-- @pause-loads
-- @procedure move-raw-tables
