-- Derived (migrations/README.md), and MAINTAINED: the analytics state tables and the refresh views that keep them.
-- @rebuilds-analytics
--
-- When this file changes, `xapi-etl migrate` rebuilds the state from the raw tables (src/analytics/rebuild.ts):
-- it creates the tables and views below under a second name ({{state x}} → x__rebuild), fills them section by
-- section (resumable: a stopped rebuild carries on where it stopped), brings them up to date with every load
-- that ran meanwhile, then exchanges them with the live ones and installs the new refresh views. Until that
-- exchange the public views read the old tables, computed by the old definition: the numbers users see are
-- always those of one definition, never a mix. Loads keep running and refreshing the live tables meanwhile.
--
-- {{state x}} names a state table, {{refresh x}} a refresh view; src/analytics/rebuild.ts renders them.

-- ─── The state ───────────────────────────────────────────────────────────────────────────────────────────
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
CREATE TABLE IF NOT EXISTS {{state video_viewer_state}} {{on_cluster}}
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
CREATE TABLE IF NOT EXISTS {{state video_state}} {{on_cluster}}
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
CREATE TABLE IF NOT EXISTS {{state learner_state}} {{on_cluster}}
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
CREATE TABLE IF NOT EXISTS {{state section_state}} {{on_cluster}}
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

-- One row per learner, section and day: their active statements and statements per verb. The day's totals
-- are summed from these rows, so a load re-reads the statements of the learners it touched, not the day's.
CREATE TABLE IF NOT EXISTS {{state actor_day_state}} {{on_cluster}}
(
    section_id       String,
    day              Date,
    actor_key        String,
    statements       UInt64 COMMENT 'active statements, voiding statements aside',
    verbs            Array(Tuple(verb_id String, verb_display String, statements UInt64)) COMMENT 'active statements per verb, voiding ones included',
    version          DateTime64(6, 'UTC'),
    is_deleted       UInt8
)
ENGINE = ReplacingMergeTree(version, is_deleted)
ORDER BY (section_id, day, actor_key)
{{shard_by sipHash64(section_id)}};

-- One row per section and day: active learners and statements, and statements per verb.
CREATE TABLE IF NOT EXISTS {{state daily_state}} {{on_cluster}}
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

-- ─── How a refresh recomputes the state of what a set of loads touched ─────────────────────────────────────
-- Parameterized views, called as `INSERT INTO x_state SELECT * FROM x_refresh(load_ids = [...])` level by
-- level (src/analytics/refresh.ts). Each returns one row per touched key, deleted when nothing is left.

-- The keys to recompute are read from load_touched_* (the loads' own keys plus, see above, those of the
-- statements they void). Written for both analyzers: on a sharded cluster the subqueries sent to the
-- shards are analysed again there, the old way. So no WITH clause (it would be copied into every subquery,
-- where its columns do not exist), no parameterized view inside another (it would reach the shard without
-- its parameters), and tuple fields of lambda arguments read with tupleElement(x, 'name').
CREATE OR REPLACE VIEW {{refresh video_viewer_refresh}} {{on_cluster}} AS
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
                    SELECT section_id, statement_id FROM voided_in_section
                    WHERE section_id IN (SELECT section_id FROM load_touched_viewers WHERE load_id IN {load_ids:Array(UUID)}))
            GROUP BY section_id, video_id, actor_key, session_id
        )
        GROUP BY section_id, video_id, actor_key
    )
) AS v ON v.section_id = t.section_id AND v.video_id = t.video_id AND v.actor_key = t.actor_key;

-- The videos whose viewers a set of loads touched, from the viewers' current state.
CREATE OR REPLACE VIEW {{refresh video_refresh}} {{on_cluster}} AS
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
    FROM {{state video_viewer_state}} AS video_viewer_state FINAL
    WHERE (section_id, video_id) IN (SELECT section_id, video_id FROM load_touched_viewers WHERE load_id IN {load_ids:Array(UUID)})
    GROUP BY section_id, video_id
) AS v ON v.section_id = t.section_id AND v.video_id = t.video_id;

-- The learners whose viewers a set of loads touched.
CREATE OR REPLACE VIEW {{refresh learner_refresh}} {{on_cluster}} AS
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
    FROM {{state video_viewer_state}} AS video_viewer_state FINAL
    WHERE section_id IN (SELECT section_id FROM load_touched_viewers WHERE load_id IN {load_ids:Array(UUID)})
      AND (section_id, actor_key) IN (SELECT section_id, actor_key FROM load_touched_viewers WHERE load_id IN {load_ids:Array(UUID)})
    GROUP BY section_id, actor_key
) AS v ON v.section_id = t.section_id AND v.actor_key = t.actor_key;

-- The sections whose viewers a set of loads touched, from their videos' and learners' state.
CREATE OR REPLACE VIEW {{refresh section_refresh}} {{on_cluster}} AS
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
    FROM {{state video_state}} AS video_state FINAL
    WHERE section_id IN (SELECT section_id FROM load_touched_viewers WHERE load_id IN {load_ids:Array(UUID)})
    GROUP BY section_id
) AS v ON v.section_id = t.section_id
LEFT JOIN
(
    SELECT section_id, count() AS learners
    FROM {{state learner_state}} AS learner_state FINAL
    WHERE section_id IN (SELECT section_id FROM load_touched_viewers WHERE load_id IN {load_ids:Array(UUID)})
    GROUP BY section_id
) AS l ON l.section_id = t.section_id;

-- The learners' days a set of loads touched, from those learners' active statements of those days.
CREATE OR REPLACE VIEW {{refresh actor_day_refresh}} {{on_cluster}} AS
SELECT
    t.section_id, t.day, t.actor_key,
    v.statements, v.verbs,
    now64(6) AS version,
    NOT v.present AS is_deleted
FROM (SELECT DISTINCT section_id, day, actor_key FROM load_touched_actor_days WHERE load_id IN {load_ids:Array(UUID)}) AS t
LEFT JOIN
(
    SELECT
        section_id, day, actor_key,
        sum(not_voiding) AS statements,
        arraySort(groupArray((verb_id, verb_display, all))) AS verbs,
        true AS present
    FROM
    (
        SELECT
            section_id, toDate(timestamp) AS day, actor_key, verb_id,
            minIf(statements.verb_display, statements.verb_display != '') AS verb_display,
            count() AS all,
            countIf(voided_statement_id IS NULL) AS not_voiding
        FROM statements FINAL
        -- each learner's day is a range of the sort key (section_id, statement_date, actor_key), and so are their
        -- statements without a time of their own (statement_date 1970-01-01)
        WHERE (section_id, statement_date, actor_key) IN (
                SELECT section_id, arrayJoin([day, toDate(0)]), actor_key FROM load_touched_actor_days WHERE load_id IN {load_ids:Array(UUID)})
          AND (section_id, toDate(timestamp), actor_key) IN (
                SELECT section_id, day, actor_key FROM load_touched_actor_days WHERE load_id IN {load_ids:Array(UUID)})
          AND (voided_statement_id IS NOT NULL OR (section_id, statement_id) NOT IN (
                SELECT section_id, statement_id FROM voided_in_section
                WHERE section_id IN (SELECT section_id FROM load_touched_actor_days WHERE load_id IN {load_ids:Array(UUID)})))
        GROUP BY section_id, day, actor_key, verb_id
    )
    GROUP BY section_id, day, actor_key
) AS v ON v.section_id = t.section_id AND v.day = t.day AND v.actor_key = t.actor_key;

-- The days whose learners a set of loads touched, summed over the day's learners (one row each, not a statement).
CREATE OR REPLACE VIEW {{refresh day_refresh}} {{on_cluster}} AS
SELECT
    t.section_id, t.day,
    v.active_learners, v.statements, v.verbs,
    now64(6) AS version,
    NOT v.present AS is_deleted
FROM (SELECT DISTINCT section_id, day FROM load_touched_actor_days WHERE load_id IN {load_ids:Array(UUID)}) AS t
LEFT JOIN
(
    SELECT
        section_id, day,
        countIf(actor_day_state.statements > 0) AS active_learners,
        sum(actor_day_state.statements) AS statements,
        groupArrayArray(actor_day_state.verbs) AS learner_verbs,
        -- per verb: the learners' counts summed, and the least of their non-empty display names ('' if none)
        arraySort(arrayMap(id -> (id,
                arrayMin(arrayFilter(d -> d != '', arrayMap(x -> tupleElement(x, 'verb_display'),
                    arrayFilter(x -> tupleElement(x, 'verb_id') = id, learner_verbs)))),
                arraySum(arrayMap(x -> if(tupleElement(x, 'verb_id') = id, tupleElement(x, 'statements'), 0), learner_verbs))),
            arrayDistinct(arrayMap(x -> tupleElement(x, 'verb_id'), learner_verbs)))) AS verbs,
        true AS present
    FROM {{state actor_day_state}} AS actor_day_state FINAL
    WHERE (section_id, day) IN (SELECT section_id, day FROM load_touched_actor_days WHERE load_id IN {load_ids:Array(UUID)})
    GROUP BY section_id, day
) AS v ON v.section_id = t.section_id AND v.day = t.day;

-- v0.1.0's refresh of the days (its code, still running between `migrate` and the code update of a deploy, calls
-- it): the days re-read whole. This version refreshes through actor_day_refresh and day_refresh; `migrate`
-- refreshes what v0.1.0 loaded meanwhile (src/voiding/catch-up.ts).
CREATE OR REPLACE VIEW daily_refresh {{on_cluster}} AS
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
        -- the days' rows by the sort key (statement_date), and those without a time of their own (1970-01-01)
        WHERE (section_id, statement_date) IN (
                SELECT section_id, arrayJoin([day, toDate(0)]) FROM load_touched_days WHERE load_id IN {load_ids:Array(UUID)})
          AND (section_id, toDate(timestamp)) IN (SELECT section_id, day FROM load_touched_days WHERE load_id IN {load_ids:Array(UUID)})
          AND (voided_statement_id IS NOT NULL OR (section_id, statement_id) NOT IN (
                SELECT section_id, statement_id FROM voided_in_section
                WHERE section_id IN (SELECT section_id FROM load_touched_days WHERE load_id IN {load_ids:Array(UUID)})))
        GROUP BY section_id, day, verb_id
    )
    GROUP BY section_id, day
) AS v ON v.section_id = t.section_id AND v.day = t.day;
