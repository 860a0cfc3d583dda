-- Derived (migrations/README.md): what voiding hides, by statement id (xAPI 1.0.3 §2.3.2).
--
-- A voiding statement voids its target whichever section folder or file each arrived in, and whichever arrived
-- first. Each load resolves its voids after its INSERT (src/voiding/resolve-voids.ts): its voiding statements
-- find their targets in statement_index (by id), its statements find the voids that name them in
-- voided_statements (by id); either way the target is written to voided_in_section, in the target's own section.
-- Of two loads running at once, the later of the two lookups sees the other's rows: nothing is missed. So a
-- query for some sections reads only those sections' voided rows (the filter reaches both sides of the join).

-- The voided statements per section (the name v0.1.0's views used).
CREATE OR REPLACE VIEW voided_ids {{on_cluster}} AS
SELECT DISTINCT section_id, statement_id
FROM voided_in_section;

-- Statements that no statement voids.
CREATE OR REPLACE VIEW statements_active {{on_cluster}} AS
SELECT s.*
FROM statements AS s FINAL
LEFT ANTI JOIN voided_in_section AS v ON v.section_id = s.section_id AND v.statement_id = s.statement_id;

CREATE OR REPLACE VIEW video_events_active {{on_cluster}} AS
SELECT e.*
FROM video_events AS e FINAL
LEFT ANTI JOIN voided_in_section AS v ON v.section_id = e.section_id AND v.statement_id = e.statement_id;

-- The viewers and days of the statements a set of loads newly voided (wherever those were loaded): the refresh
-- adds them to the loads' own keys (src/analytics/refresh.ts), under the first load's id.
CREATE OR REPLACE VIEW voided_target_viewers {{on_cluster}} AS
SELECT DISTINCT {load_ids:Array(UUID)}[1] AS load_id, section_id, video_id, actor_key
FROM video_events
WHERE (section_id, statement_id) IN (
    SELECT section_id, statement_id FROM voided_in_section WHERE load_id IN {load_ids:Array(UUID)});

-- (v0.1.0's code, still running between `migrate` and the code update of a deploy, reads this one.)
CREATE OR REPLACE VIEW voided_target_days {{on_cluster}} AS
SELECT DISTINCT {load_ids:Array(UUID)}[1] AS load_id, section_id, toDate(timestamp) AS day
FROM statements
WHERE (section_id, statement_date, statement_id) IN (
    SELECT section_id, statement_date, statement_id FROM voided_in_section WHERE load_id IN {load_ids:Array(UUID)});

CREATE OR REPLACE VIEW voided_target_actor_days {{on_cluster}} AS
SELECT DISTINCT {load_ids:Array(UUID)}[1] AS load_id, section_id, toDate(timestamp) AS day, actor_key
FROM statements
WHERE (section_id, statement_date, statement_id) IN (
    SELECT section_id, statement_date, statement_id FROM voided_in_section WHERE load_id IN {load_ids:Array(UUID)});
