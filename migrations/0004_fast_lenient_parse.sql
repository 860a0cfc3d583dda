-- 0004: a fast lenient parse on its own entry table.
--
-- Why: the parse view of 0002 reads every line into a tuple wide enough for every strict rule (a
-- SubStatement in full, attachments, definitions, every agent's members), and ClickHouse plans that view
-- again for every block it pushes through it. Lenient loads, the default, need a fraction of those fields.
--   ingest_lines_lenient ─▶ ingest_parse_lenient_mv (XAPI_VALIDATION=lenient: the fields the columns and
--                                                    the lenient rules read)
--   ingest_lines         ─▶ ingest_parse_mv         (XAPI_VALIDATION=strict: the view of 0002, unchanged)
-- Both write the same ingest_parsed row, so statements_mv, video_events_mv, rejected_mv and
-- ingest_file_counts_mv downstream are shared. src/load/insert-sql.ts picks the entry table by the
-- load's validation mode. The 0002 view keeps its if(validation = 'strict', …) guards, so fed lenient
-- rows it computes what every lenient load computed before: test/integration/parse-equivalence.test.ts
-- checks that the two views give the same columns on every conformance and generated line.
--
-- The raw statement text is also compressed with ZSTD(1) instead of ZSTD(3) from now on: at this data's
-- size level 3 took about a third of the statements write for a few per cent of disk (BENCHMARKS.md).
-- Existing parts keep their codec until merged.

CREATE TABLE IF NOT EXISTS ingest_lines_lenient {{on_cluster}} AS ingest_lines
ENGINE = Null
COMMENT 'Entry table of XAPI_VALIDATION=lenient loads (the default): the same columns as ingest_lines';

ALTER TABLE statements {{on_cluster}} MODIFY COLUMN raw String COMMENT 'the statement as it was in the file' CODEC(ZSTD(1));
ALTER TABLE rejected_statements {{on_cluster}} MODIFY COLUMN raw String CODEC(ZSTD(1));

-- The lenient parse (the default, XAPI_VALIDATION=lenient): the same ingest_parsed row as the strict view
-- for every line, from a much smaller typed tuple. Only the fields the analytics columns and the lenient
-- rules read are extracted; a SubStatement is read for its object's id only, attachments are counted.
-- Read the layers from the bottom up; the conventions of migration 0002 hold ((x).field, one value per
-- layer column, no WITH aliases used twice).
CREATE MATERIALIZED VIEW IF NOT EXISTS ingest_parse_lenient_mv {{on_cluster}} TO ingest_parsed AS
-- Layer 5: the row, in ingest_parsed's columns.
SELECT
    load_id, load_mode, validation, source_bucket, source_key, source_etag, source_time, line_number, section_id, event_type,
    clean_line AS raw_line,
    reason AS reject_reason,
    multiIf(
        reason = 'empty_line', 'the line is empty',
        reason = 'not_an_object', 'the line is JSON but not an object',
        reason = 'invalid_json', 'the line is not valid JSON',
        reason = 'missing_actor', 'the statement has no actor',
        reason = 'missing_actor_identifier', 'the actor has no mbox, mbox_sha1sum, openid or account (nor identified members)',
        reason = 'missing_verb_id', 'the statement has no verb id',
        reason = 'missing_object', 'the statement has no object',
        reason = 'invalid_statement_id', concat('the id is not a UUID: ', left(ifNull(id_text, ''), 100)),
        reason = 'invalid_timestamp', concat('the timestamp cannot be parsed: ', left(ifNull(ts_text, ''), 100)),
        '') AS reject_detail,
    -- A statement without an id gets a deterministic one from its content, so a reload never duplicates it.
    ifNull(id_uuid, reinterpretAsUUID(sipHash128(clean_line))) AS statement_id,
    id_uuid IS NOT NULL AS has_id,
    coalesce(ts_parsed, stored_parsed, toDateTime64(source_time, 3, 'UTC')) AS timestamp,
    stored_parsed AS stored,
    if(dynamicType(version_dyn) = 'String', version_dyn::String, '') AS version,
    ifNull((actor).objectType, 'Agent') AS actor_object_type,
    if(dynamicType((actor).name) = 'String', (actor).name::String, '') AS actor_name,
    actor_key_v AS actor_key,
    actor_member_keys_v AS actor_member_keys,
    ifNull((verb).id, '') AS verb_id,
    if(mapContains(verb_display_map, 'en-US'), verb_display_map['en-US']::String,
        ifNull(arrayElementOrNull(mapValues(verb_display_map), 1)::Nullable(String), '')) AS verb_display,
    ifNull(o_type, 'Activity') AS object_type,
    -- For an Agent or Group object the id is its normalised key; for a SubStatement, its object's id.
    multiIf(object_type IN ('Agent', 'Group'), keys[5], object_type = 'SubStatement', ifNull(so_id, ''), ifNull(o_id, '')) AS object_id,
    ifNull((o_def).type, '') AS object_definition_type,
    if(mapContains(object_name_map, 'en-US'), object_name_map['en-US']::String,
        ifNull(arrayElementOrNull(mapValues(object_name_map), 1)::Nullable(String), '')) AS object_name,
    toUUIDOrNull(ifNull((c).registration, '')) AS registration,
    if(dynamicType((c).platform) = 'String', (c).platform::String, '') AS platform,
    if(dynamicType((c).language) = 'String', (c).language::String, '') AS language,
    arrayMap(x -> ifNull((x).id, ''), (c_activities).parent) AS context_parent_ids,
    arrayMap(x -> ifNull((x).id, ''), (c_activities).grouping) AS context_grouping_ids,
    arrayMap(x -> ifNull((x).id, ''), (c_activities).category) AS context_category_ids,
    arrayMap(x -> ifNull((x).id, ''), (c_activities).other) AS context_other_ids,
    keys[2] AS context_instructor_key,
    team_key_v AS context_team_key,
    if(dynamicType((c).revision) = 'String', (c).revision::String, '') AS context_revision,
    if(((c).statement).objectType = 'StatementRef', toUUIDOrNull(ifNull(((c).statement).id, '')), NULL) AS context_statement_id,
    variantElement((c).extensions, 'Map(String, String)') AS context_extensions,
    toFloat64OrNull(toString(((r).score).scaled)) AS result_score_scaled,
    toFloat64OrNull(toString(((r).score).raw)) AS result_score_raw,
    toFloat64OrNull(toString(((r).score).min)) AS result_score_min,
    toFloat64OrNull(toString(((r).score).max)) AS result_score_max,
    if(dynamicType((r).success) = 'Bool', (r).success::Bool, NULL) AS result_success,
    if(dynamicType((r).completion) = 'Bool', (r).completion::Bool, NULL) AS result_completion,
    if(dynamicType((r).response) = 'String', (r).response::String, NULL) AS result_response,
    (r).duration AS result_duration,
    duration_ms_v AS result_duration_ms,
    variantElement((r).extensions, 'Map(String, String)') AS result_extensions,
    if((verb).id = 'http://adlnet.gov/expapi/verbs/voided' AND o_type = 'StatementRef',
        toUUIDOrNull(ifNull(o_id, '')), NULL) AS voided_statement_id,
    keys[4] AS authority_key,
    attachments_n AS attachments_count,
    -- xAPI Video Profile: the video activity type, the profile in the category, or a profile verb.
    reason = '' AND (object_definition_type = 'https://w3id.org/xapi/video/activity-type/video'
        OR has(context_category_ids, 'https://w3id.org/xapi/video')
        OR startsWith(verb_id, 'https://w3id.org/xapi/video/verbs/')) AS is_video
FROM (
-- Layer 4: the lenient rules (only what cannot be an analytics row) and the duration in ms.
SELECT *,
    multiIf(
        clean_line = '', 'empty_line',
        NOT startsWith(trimLeft(clean_line), '{') AND isValidJSON(clean_line), 'not_an_object',
        s_null, 'invalid_json',
        actor IS NULL, 'missing_actor',
        actor_key_v = '', 'missing_actor_identifier',
        ifNull((verb).id, '') = '', 'missing_verb_id',
        o_null, 'missing_object',
        id_text IS NOT NULL AND id_uuid IS NULL, 'invalid_statement_id',
        ts_text IS NOT NULL AND ts_parsed IS NULL, 'invalid_timestamp',
        '') AS reason,
    if(duration_ok, toInt64(round(1000 * (dparts[1] * 31536000 + dparts[2] * 2592000 + dparts[3] * 604800
        + dparts[4] * 86400 + dparts[5] * 3600 + dparts[6] * 60 + dparts[7]))), NULL) AS duration_ms_v
FROM (
-- Layer 3: the keys of grouped actors (an anonymous Group is keyed by its members: the same members in
-- any order give the same key) and the duration's parts.
WITH
    -- ISO 8601 duration: P[nY][nM][nW][nD][T[nH][nM][nS]] (a decimal comma is accepted as in ISO 8601).
    '^P(?:(\\d+(?:[.,]\\d+)?)Y)?(?:(\\d+(?:[.,]\\d+)?)M)?(?:(\\d+(?:[.,]\\d+)?)W)?(?:(\\d+(?:[.,]\\d+)?)D)?(?:T(?:(\\d+(?:[.,]\\d+)?)H)?(?:(\\d+(?:[.,]\\d+)?)M)?(?:(\\d+(?:[.,]\\d+)?)S)?)?$' AS duration_re
SELECT *,
    arraySlice(keys, 6, length((actor).member)) AS actor_member_keys_v,
    arrayFilter(k -> k != '', actor_member_keys_v) AS actor_member_ids,
    arrayFilter(k -> k != '', arraySlice(keys, 6 + length((actor).member))) AS team_member_ids,
    if(keys[1] = '' AND (actor).objectType = 'Group' AND notEmpty(actor_member_ids),
        concat('group::', lower(hex(sipHash128(arrayStringConcat(arraySort(arrayDistinct(actor_member_ids)), '\n'))))),
        keys[1]) AS actor_key_v,
    if(keys[3] = '' AND notEmpty(team_member_ids),
        concat('group::', lower(hex(sipHash128(arrayStringConcat(arraySort(arrayDistinct(team_member_ids)), '\n'))))),
        keys[3]) AS team_key_v,
    duration_text != '' AND match(duration_text, duration_re) AND duration_text != 'P' AND NOT endsWith(duration_text, 'T') AS duration_ok,
    if(duration_text = '', [], arrayMap(x -> ifNull(toFloat64OrNull(replaceOne(x, ',', '.')), 0), extractGroups(duration_text, duration_re))) AS dparts
FROM (
-- Layer 2: every agent's normalised key (docs/xapi.md): mbox trimmed and lower-cased whole; mbox_sha1sum
-- lower-cased; openid trimmed; account homePage with scheme and host lower-cased and trailing slashes
-- removed, account name exact. Positions: [actor, instructor, team, authority, object] ++ members of
-- the actor, then of the team. The parsed scalar values.
WITH
    -- Each position's identifiers, projected one by one (an array of whole agent tuples, members
    -- included, costs about a tenth of this view's time).
    arrayConcat(
        [((actor).mbox, (actor).mbox_sha1sum, (actor).openid, ((actor).account).homePage, ((actor).account).name::Nullable(String)),
         ((c_instructor).mbox, (c_instructor).mbox_sha1sum, (c_instructor).openid, ((c_instructor).account).homePage, ((c_instructor).account).name::Nullable(String)),
         ((c_team).mbox, (c_team).mbox_sha1sum, (c_team).openid, ((c_team).account).homePage, ((c_team).account).name::Nullable(String)),
         ((authority).mbox, (authority).mbox_sha1sum, (authority).openid, ((authority).account).homePage, ((authority).account).name::Nullable(String)),
         ((o).mbox, (o).mbox_sha1sum, (o).openid, ((o).account).homePage, ((o).account).name::Nullable(String))],
        arrayMap(m -> ((m).mbox, (m).mbox_sha1sum, (m).openid, ((m).account).homePage, ((m).account).name::Nullable(String)),
            arrayConcat((actor).member, (c_team).member))) AS ifis
SELECT * EXCEPT (o),
    o IS NULL AS o_null,
    (o).objectType AS o_type,
    (o).id AS o_id,
    (o).definition AS o_def,
    ((o).object).id AS so_id,
    variantElement(((o).definition).name, 'Map(String, Dynamic)') AS object_name_map,
    arrayMap(i -> multiIf(
        trimBoth(ifNull(i.1, '')) != '',
            concat('mbox::', if(startsWith(lower(trimBoth(i.1)), 'mailto:'), '', 'mailto:'), lower(trimBoth(i.1))),
        ifNull(i.2, '') != '', concat('mbox_sha1sum::', lower(trimBoth(i.2))),
        trimBoth(ifNull(i.3, '')) != '', concat('openid::', trimBoth(i.3)),
        ifNull(i.4, '') != '' AND ifNull(i.5, '') != '',
            -- lower(scheme://host) ++ the rest: what 0002 does with a regex replace, at a fifth of the cost.
            concat('account::',
                lower(extract(trimRight(trimBoth(i.4), '/'), '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*')),
                substring(trimRight(trimBoth(i.4), '/'), length(extract(trimRight(trimBoth(i.4), '/'), '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*')) + 1),
                '::', i.5),
        ''), ifis) AS keys,
    toUUIDOrNull(ifNull(id_text, '')) AS id_uuid,
    parseDateTime64BestEffortOrNull(ifNull(ts_text, ''), 3, 'UTC') AS ts_parsed,
    parseDateTime64BestEffortOrNull(ifNull(stored_text, ''), 3, 'UTC') AS stored_parsed,
    variantElement((verb).display, 'Map(String, Dynamic)') AS verb_display_map,
    trimBoth(ifNull((r).duration, '')) AS duration_text
FROM (
-- Layer 1: the one parse, into the fields the analytics columns read. Types as in migration 0002 (an
-- agent is AG, see there), so the columns come out the same as the strict view's.
SELECT * EXCEPT (s),
    s IS NULL AS s_null,
    (s).id AS id_text,
    (s).actor AS actor,
    (s).verb AS verb,
    (s).object AS o,
    (s).result AS r,
    (s).context AS c,
    ((s).context).instructor AS c_instructor,
    ((s).context).team AS c_team,
    ((s).context).contextActivities AS c_activities,
    (s).timestamp AS ts_text,
    (s).stored AS stored_text,
    (s).version AS version_dyn,
    (s).authority AS authority,
    length((s).attachments) AS attachments_n
FROM (
SELECT *,
    JSONExtract(clean_line, 'Nullable(Tuple(
            id Nullable(String),
            actor Nullable(Tuple(objectType Nullable(String), name Dynamic, mbox Nullable(String), mbox_sha1sum Nullable(String), openid Nullable(String), account Nullable(Tuple(homePage Nullable(String), name Dynamic)), member Array(Tuple(objectType Nullable(String), name Dynamic, mbox Nullable(String), mbox_sha1sum Nullable(String), openid Nullable(String), account Nullable(Tuple(homePage Nullable(String), name Dynamic)))))),
            verb Nullable(Tuple(id Nullable(String), display Variant(Map(String, Dynamic), String, Float64, Bool))),
            object Nullable(Tuple(
                objectType Nullable(String), id Nullable(String),
                definition Nullable(Tuple(type Nullable(String), name Variant(Map(String, Dynamic), String, Float64, Bool))),
                mbox Nullable(String), mbox_sha1sum Nullable(String), openid Nullable(String), account Nullable(Tuple(homePage Nullable(String), name Dynamic)),
                object Nullable(Tuple(objectType Nullable(String), id Nullable(String))))),
            result Nullable(Tuple(
                score Nullable(Tuple(scaled Dynamic, raw Dynamic, min Dynamic, max Dynamic)),
                success Dynamic, completion Dynamic, response Dynamic, duration Nullable(String),
                extensions Variant(Map(String, String), String, Float64, Bool))),
            context Nullable(Tuple(registration Nullable(String), revision Dynamic, platform Dynamic, language Dynamic,
                instructor Nullable(Tuple(objectType Nullable(String), name Dynamic, mbox Nullable(String), mbox_sha1sum Nullable(String), openid Nullable(String), account Nullable(Tuple(homePage Nullable(String), name Dynamic)), member Array(Tuple(objectType Nullable(String), name Dynamic, mbox Nullable(String), mbox_sha1sum Nullable(String), openid Nullable(String), account Nullable(Tuple(homePage Nullable(String), name Dynamic)))))),
                team Nullable(Tuple(objectType Nullable(String), name Dynamic, mbox Nullable(String), mbox_sha1sum Nullable(String), openid Nullable(String), account Nullable(Tuple(homePage Nullable(String), name Dynamic)), member Array(Tuple(objectType Nullable(String), name Dynamic, mbox Nullable(String), mbox_sha1sum Nullable(String), openid Nullable(String), account Nullable(Tuple(homePage Nullable(String), name Dynamic)))))),
                contextActivities Nullable(Tuple(parent Array(Tuple(id Nullable(String))), grouping Array(Tuple(id Nullable(String))),
                    category Array(Tuple(id Nullable(String))), other Array(Tuple(id Nullable(String))))),
                statement Nullable(Tuple(objectType Nullable(String), id Nullable(String))),
                extensions Variant(Map(String, String), String, Float64, Bool))),
            timestamp Nullable(String),
            stored Nullable(String),
            version Dynamic,
            authority Nullable(Tuple(objectType Nullable(String), name Dynamic, mbox Nullable(String), mbox_sha1sum Nullable(String), openid Nullable(String), account Nullable(Tuple(homePage Nullable(String), name Dynamic)), member Array(Tuple(objectType Nullable(String), name Dynamic, mbox Nullable(String), mbox_sha1sum Nullable(String), openid Nullable(String), account Nullable(Tuple(homePage Nullable(String), name Dynamic)))))),
            attachments Array(Tuple(usageType Nullable(String)))
        ))') AS s
    FROM (SELECT *, trimRight(replaceRegexpOne(line, '^\xEF\xBB\xBF', ''), '\r') AS clean_line FROM ingest_lines_lenient)
)))));
