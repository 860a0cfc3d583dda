-- Derived (migrations/README.md): the public analytics views, over the state tables of 40_analytics_state.sql.
-- Names and columns are the contract (README, docs); each is replaced in place when this file changes.

-- One row per viewing session: what that session played, where it ended.
CREATE OR REPLACE VIEW video_sessions {{on_cluster}} AS
SELECT
    section_id, video_id, actor_key,
    s.session_id AS session_id, s.video_name AS video_name, s.started_at AS started_at, s.ended_at AS ended_at,
    s.video_length AS video_length, s.completion_threshold AS completion_threshold,
    s.session_segments AS session_segments, s.watch_seconds AS watch_seconds, s.last_position AS last_position,
    s.has_completed_statement AS has_completed_statement, s.seeks AS seeks, s.events AS events
FROM video_viewer_state FINAL
ARRAY JOIN sessions AS s;

-- One row per viewer of a video: coverage, watch time, completion.
CREATE OR REPLACE VIEW video_viewers {{on_cluster}} AS
SELECT
    section_id, video_id, actor_key, video_name, length(video_viewer_state.sessions) AS sessions, first_seen, last_seen,
    video_length, completion_threshold, segments, unique_seconds, watch_seconds, progress,
    has_completed_statement, completed
FROM video_viewer_state FINAL;

-- Audience retention: for every second of every video, the share of its viewers who watched it.
CREATE OR REPLACE VIEW video_retention {{on_cluster}} AS
SELECT
    section_id, video_id, video_name,
    toUInt32(position - 1) AS second,
    viewers_at_second AS viewers,
    video_state.viewers AS total_viewers,
    viewers_at_second / video_state.viewers AS share
FROM video_state FINAL
ARRAY JOIN viewers_per_second AS viewers_at_second, arrayEnumerate(viewers_per_second) AS position;

-- Completion per video: viewers, viewers who reached the threshold, and the rate.
CREATE OR REPLACE VIEW video_completion {{on_cluster}} AS
SELECT
    section_id, video_id, video_name, video_length, completion_threshold, viewers, completers,
    viewers_with_completed_statement, completers / viewers AS completion_rate, avg_progress
FROM video_state FINAL;

-- Completion per section: over every (learner, video) pair seen in the section.
CREATE OR REPLACE VIEW section_video_completion {{on_cluster}} AS
SELECT section_id, videos, learners, viewers, completers, completers / viewers AS completion_rate
FROM section_state FINAL;

-- Watch time per learner and section: time spent playing (re-watching counts) and distinct seconds seen.
CREATE OR REPLACE VIEW learner_watch_time {{on_cluster}} AS
SELECT section_id, actor_key, videos_watched, sessions, watch_seconds, unique_seconds, videos_completed, first_seen, last_seen
FROM learner_state FINAL;

-- Drop-off points: sessions that ended before the end of the video, by how far they got (5% buckets).
CREATE OR REPLACE VIEW video_drop_off {{on_cluster}} AS
SELECT section_id, video_id, video_name, d.percent AS percent, d.sessions AS sessions
FROM video_state FINAL
ARRAY JOIN drop_off AS d;

-- Seek hot spots: where viewers seek to (5-second buckets), and how many seeks go forward.
CREATE OR REPLACE VIEW video_seek_hotspots {{on_cluster}} AS
SELECT
    section_id, video_id, video_name,
    h.to_second AS to_second, h.seeks AS seeks, h.forward_seeks AS forward_seeks, h.learners AS learners
FROM video_state FINAL
ARRAY JOIN seek_hotspots AS h;

-- Active learners per day and section: anyone with a (non-voided) statement that day, voiding ones aside.
CREATE OR REPLACE VIEW daily_active_learners {{on_cluster}} AS
SELECT day, section_id, active_learners, statements
FROM daily_state FINAL
WHERE statements > 0;

-- Verbs over time: statements per day, section and verb.
CREATE OR REPLACE VIEW daily_verbs {{on_cluster}} AS
SELECT day, section_id, v.verb_id AS verb_id, v.verb_display AS verb_display, v.statements AS statements
FROM daily_state FINAL
ARRAY JOIN verbs AS v;
