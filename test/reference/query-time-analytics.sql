-- The reference: the analytics as the first version computed them, at query time, from the raw tables
-- (the views of the former migration 0003, and 0002's voiding). test/integration/analytics-reference.test.ts
-- creates these as ref_* views and requires every maintained view to give the same rows.
--
-- Changed from the original, on purpose, and only this:
--   * ties are broken on full tuples (…, timestamp, statement_id), and a verb's display is the least non-empty
--     one instead of any(): the original picked among equal keys by row order, so its numbers could change
--     after a reload (the bug that made them untestable);
--   * voiding follows the statement id across sections, as the first version's did (0.1.0 had restricted it to a
--     section; 0003 restored the specification's rule);
--   * video_sessions no longer exposes its internal all_segments column.

-- A statement is voided when a voiding statement names it by id, in any section, and it is not itself a voiding
-- statement (xAPI 1.0.3 §2.3.2).
CREATE VIEW ref_voided_ids AS
SELECT DISTINCT assumeNotNull(voided_statement_id) AS statement_id FROM statements FINAL
WHERE voided_statement_id IS NOT NULL
  AND assumeNotNull(voided_statement_id) NOT IN (
      SELECT statement_id FROM statements FINAL WHERE voided_statement_id IS NOT NULL);

CREATE VIEW ref_statements_active AS
SELECT *
FROM statements FINAL
WHERE statement_id NOT IN (SELECT statement_id FROM ref_voided_ids);

CREATE VIEW ref_video_events_active AS
SELECT *
FROM video_events FINAL
WHERE statement_id NOT IN (SELECT statement_id FROM ref_voided_ids);

-- One row per viewing session: what that session played, where it ended.
CREATE VIEW ref_video_sessions AS
SELECT
    section_id,
    video_id,
    actor_key,
    session_id,
    argMax(video_name, (timestamp, statement_id)) AS video_name,
    min(timestamp) AS started_at,
    max(timestamp) AS ended_at,
    max(length) AS video_length,
    max(completion_threshold) AS completion_threshold,
    -- the profile's list is cumulative within a session: the longest one is the session's whole play
    argMax(played_segments, (length(played_segments), timestamp, statement_id)) AS session_segments,
    arraySum(s -> greatest(s.2 - s.1, 0), session_segments) AS watch_seconds,
    groupArrayArray(played_segments) AS all_segments,
    argMax(coalesce(time, time_to), (timestamp, statement_id)) AS last_position,
    countIf(verb_id = 'http://adlnet.gov/expapi/verbs/completed') > 0 AS has_completed_statement,
    countIf(verb_id = 'https://w3id.org/xapi/video/verbs/seeked') AS seeks,
    count() AS events
FROM ref_video_events_active
GROUP BY section_id, video_id, actor_key, session_id;

-- One row per viewer of a video: coverage, watch time, completion (the base of the views below).
CREATE VIEW ref_video_viewers AS
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
    argMax(video_name, (ended_at, session_id)) AS video_name,
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
FROM ref_video_sessions
GROUP BY section_id, video_id, actor_key;

-- Audience retention: for every second of every video, the share of its viewers who watched it.
CREATE VIEW ref_video_retention AS
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
        argMax(video_name, (last_seen, actor_key)) AS title,
        count() AS total_viewers,
        -- per viewer, one 0/1 flag per second; summed element-wise across viewers
        sumForEach(arrayMap(k -> toUInt64(arrayExists(s -> s.1 < k + 1 AND s.2 > k, segments)),
            range(toUInt32(least(ceil(video_length), 86400))))) AS per_second
    FROM ref_video_viewers
    GROUP BY section_id, video_id
)
ARRAY JOIN per_second AS viewers_at_second, arrayEnumerate(per_second) AS position;

-- Completion per video: viewers, viewers who reached the threshold, and the rate.
CREATE VIEW ref_video_completion AS
SELECT
    section_id,
    video_id,
    if(argMax(video_name, (last_seen, actor_key)) = '', video_id, argMax(video_name, (last_seen, actor_key))) AS video_name,
    max(video_length) AS video_length,
    max(completion_threshold) AS completion_threshold,
    count() AS viewers,
    countIf(completed) AS completers,
    countIf(has_completed_statement) AS viewers_with_completed_statement,
    completers / viewers AS completion_rate,
    avg(progress) AS avg_progress
FROM ref_video_viewers
GROUP BY section_id, video_id;

-- Completion per section: over every (learner, video) pair seen in the section.
CREATE VIEW ref_section_video_completion AS
SELECT
    section_id,
    uniqExact(video_id) AS videos,
    uniqExact(actor_key) AS learners,
    count() AS viewers,
    countIf(completed) AS completers,
    completers / viewers AS completion_rate
FROM ref_video_viewers
GROUP BY section_id;

-- Watch time per learner and section: time spent playing (re-watching counts) and distinct seconds seen.
CREATE VIEW ref_learner_watch_time AS
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
FROM ref_video_viewers
GROUP BY section_id, actor_key;

-- Drop-off points: sessions that ended before the end of the video, by how far they got (5% buckets).
CREATE VIEW ref_video_drop_off AS
SELECT
    section_id,
    video_id,
    if(any(video_name) = '', video_id, any(video_name)) AS video_name,
    toUInt8(least(95, floor(last_position / video_length * 20) * 5)) AS percent,
    count() AS sessions
FROM ref_video_sessions
WHERE video_length > 0 AND last_position IS NOT NULL AND last_position < video_length - 1
GROUP BY section_id, video_id, percent;

-- Seek hot spots: where viewers seek to (5-second buckets), and how many seeks go forward.
CREATE VIEW ref_video_seek_hotspots AS
SELECT
    section_id,
    video_id,
    if(argMax(video_name, timestamp) = '', video_id, argMax(video_name, timestamp)) AS video_name,
    toUInt32(floor(assumeNotNull(time_to) / 5) * 5) AS to_second,
    count() AS seeks,
    countIf(time_to > time_from) AS forward_seeks,
    uniqExact(actor_key) AS learners
FROM ref_video_events_active
WHERE verb_id = 'https://w3id.org/xapi/video/verbs/seeked' AND time_to IS NOT NULL
GROUP BY section_id, video_id, to_second;

-- Active learners per day and section: anyone with a (non-voided) statement that day, voiding ones aside.
CREATE VIEW ref_daily_active_learners AS
SELECT
    toDate(timestamp) AS day,
    section_id,
    uniqExact(actor_key) AS active_learners,
    count() AS statements
FROM ref_statements_active
WHERE voided_statement_id IS NULL
GROUP BY day, section_id;

-- Verbs over time: statements per day, section and verb.
CREATE VIEW ref_daily_verbs AS
SELECT
    toDate(timestamp) AS day,
    section_id,
    verb_id,
    minIf(verb_display, verb_display != '') AS verb_display,
    count() AS statements
FROM ref_statements_active
GROUP BY day, section_id, verb_id;
