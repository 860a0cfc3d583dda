-- 0002: the parse views: one parse per line, from the entry tables of 0001 into ingest_parsed.
--
--   INSERT INTO ingest_lines_lenient ─▶ ingest_parse_lenient_mv  (XAPI_VALIDATION=lenient, the default: only the
--                                                                fields the columns and the lenient rules read)
--   INSERT INTO ingest_lines_strict  ─▶ ingest_parse_strict_mv   (XAPI_VALIDATION=strict: the full statement, every
--                                                                xAPI 1.0.3 rule)
-- Both write the same ingest_parsed row for every line (test/integration/parse-equivalence.test.ts), so
-- everything downstream (statements, video_events, rejected_statements, …; migration 0001) is shared.
-- Mapping and validation rules are documented in docs/xapi.md.

-- The one parse. Each line is read by ONE JSONExtract into the typed tuple `s` (Layer 1, at the bottom);
-- every column (and every validation rule) reads fields of `s`, never the text again.
--
-- The view is planned again for every INSERT, so it is written to keep that planning cheap (a one-line
-- file otherwise costs seconds before any data is read):
--   * Layers, read from the bottom up: each reads only the columns of the one below. A big value is split
--     into its parts once, in its own layer; later layers work on the small parts. A value used more
--     than once is a column of a lower layer, never a WITH alias (an alias is analysed again at every use).
--   * Fields are read as `(x).field` (tupleElement), never `x.field`: the analyzer first tries a dotted
--     name as a column or subcolumn identifier, which costs ~0.1 s per distinct read on these types.
--   * Strict rules sit under if(validation = 'strict', …): a lenient load never evaluates them.
--
-- Types are chosen so that the rules can see what the JSON held:
--   Nullable(String)      text; a number or an object arrives as its JSON text (fails format rules)
--   Dynamic               keeps the JSON type (dynamicType: String, Int64, Float64, Bool, JSON, None)
--   Nullable(Tuple(…))    nested objects; a missing one is NULL (a non-nullable one would null `s`)
--   Variant(Map(…), String, Float64, Bool)   a map that must be an object: the variant says if it was
--   Array(Tuple(…))       a missing or non-array value is []
-- Agents (actor, authority, instructor, team, an Agent/Group object, a SubStatement's) share one type,
-- written once as the placeholder {{agent_type}} (a Group's members: {{member_type}}, the same without
-- `member`); src/schema/render.ts expands both (objectType, name, mbox, mbox_sha1sum, openid, account).
CREATE MATERIALIZED VIEW IF NOT EXISTS ingest_parse_strict_mv {{on_cluster}} TO ingest_parsed AS
-- Layer 8: the row, in ingest_parsed's columns.
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
        reason != '', strict_error,
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
    if((c).statement.objectType = 'StatementRef', toUUIDOrNull(ifNull((c).statement.id, '')), NULL) AS context_statement_id,
    variantElement((c).extensions, 'Map(String, String)') AS context_extensions,
    toFloat64OrNull(toString((r).score.scaled)) AS result_score_scaled,
    toFloat64OrNull(toString((r).score.raw)) AS result_score_raw,
    toFloat64OrNull(toString((r).score.min)) AS result_score_min,
    toFloat64OrNull(toString((r).score.max)) AS result_score_max,
    if(dynamicType((r).success) = 'Bool', (r).success::Bool, NULL) AS result_success,
    if(dynamicType((r).completion) = 'Bool', (r).completion::Bool, NULL) AS result_completion,
    if(dynamicType((r).response) = 'String', (r).response::String, NULL) AS result_response,
    (r).duration AS result_duration,
    duration_ms_v AS result_duration_ms,
    variantElement((r).extensions, 'Map(String, String)') AS result_extensions,
    if((verb).id = 'http://adlnet.gov/expapi/verbs/voided' AND o_type = 'StatementRef',
        toUUIDOrNull(ifNull(o_id, '')), NULL) AS voided_statement_id,
    keys[4] AS authority_key,
    length(attachments) AS attachments_count,
    -- xAPI Video Profile: the video activity type, the profile in the category, or a profile verb.
    reason = '' AND (object_definition_type = 'https://w3id.org/xapi/video/activity-type/video'
        OR has(context_category_ids, 'https://w3id.org/xapi/video')
        OR startsWith(verb_id, 'https://w3id.org/xapi/video/verbs/')) AS is_video
FROM (
-- Layer 7: the reason: a lenient rule broken, else (XAPI_VALIDATION=strict) the requirement id of the
-- first strict rule broken (xAPI 1.0.3).
SELECT *,
    multiIf(lenient_reason != '', lenient_reason,
        validation = 'strict' AND strict_error != '', extract(strict_error, '(XAPI-\\d+)'),
        '') AS reason
FROM (
-- Layer 6: the lenient rules: only what cannot be an analytics row.
SELECT * EXCEPT (so, sc, sr, o_actor, o_verb, so_def, o_member, o_account, o_name, c_team, c_instructor, authority),
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
        '') AS lenient_reason,
    if(duration_ok, toInt64(round(1000 * (dparts[1] * 31536000 + dparts[2] * 2592000 + dparts[3] * 604800
        + dparts[4] * 86400 + dparts[5] * 3600 + dparts[6] * 60 + dparts[7]))), NULL) AS duration_ms_v
FROM (
-- Layer 5: the keys of grouped actors, the duration, and the first strict error. Each strict rule set
-- is an array of errors (empty = none broken); all are computed only for XAPI_VALIDATION=strict rows.
WITH
    -- ISO 8601 duration: P[nY][nM][nW][nD][T[nH][nM][nS]] (a decimal comma is accepted as in ISO 8601).
    '^P(?:(\\d+(?:[.,]\\d+)?)Y)?(?:(\\d+(?:[.,]\\d+)?)M)?(?:(\\d+(?:[.,]\\d+)?)W)?(?:(\\d+(?:[.,]\\d+)?)D)?(?:T(?:(\\d+(?:[.,]\\d+)?)H)?(?:(\\d+(?:[.,]\\d+)?)M)?(?:(\\d+(?:[.,]\\d+)?)S)?)?$' AS duration_re,
    '^[A-Za-z][A-Za-z0-9+.-]*:[^\\s]*$' AS iri_re,
    '^[A-Za-z][A-Za-z0-9+.-]*://[^\\s/?#]+[^\\s]*$' AS irl_re,
    '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$' AS uuid_re,
    -- RFC 5646 language tag (langtag | privateuse), RE2 syntax.
    '^(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*(?:-[Xx](?:-[A-Za-z0-9]{1,8})+)?$|^[Xx](?:-[A-Za-z0-9]{1,8})+$' AS lang_re,
    '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d+)?)?(?:Z|z|[+-]\\d{2}(?::?\\d{2})?)?$' AS ts_re,
    -- Agent-like values the rules check, and where each sits.
    ['actor', 'authority', 'context.instructor', 'context.team', 'object.actor', 'object.context.instructor', 'object.context.team'] AS group_positions,
    [actor, authority, c_instructor, c_team, o_actor, (sc).instructor, (sc).team] AS groups,
    -- Agent/Group objects (the statement's and a SubStatement's) join the same checks.
    [(o_type, o_name, o_mbox, o_sha1, o_openid, o_account, o_member),
     (so_type, (so).name, (so).mbox, (so).mbox_sha1sum, (so).openid, (so).account, (so).member)] AS object_agents,
    -- Every agent-like value with the position it sits at; members flattened after their group.
    arrayConcat(
        arrayMap((p, g) -> (p, g IS NOT NULL, ifNull((g).objectType, ''), dynamicType((g).name), (g).mbox, (g).mbox_sha1sum, (g).openid,
            (g).account IS NOT NULL, (g).account.homePage, dynamicType((g).account.name), length((g).member), 0), group_positions, groups),
        arrayFlatten(arrayMap((p, g) -> arrayMap(m -> (concat(p, '.member'), true, ifNull((m).objectType, ''), dynamicType((m).name), (m).mbox,
            (m).mbox_sha1sum, (m).openid, (m).account IS NOT NULL, (m).account.homePage, dynamicType((m).account.name), 0, 1), (g).member),
            group_positions, groups)),
        arrayMap((p, g) -> (p, ifNull(g.1, '') IN ('Agent', 'Group'), ifNull(g.1, ''), dynamicType(g.2), g.3, g.4, g.5,
            g.6 IS NOT NULL, g.6.homePage, dynamicType(g.6.name), length(g.7), 0), ['object', 'object.object'], object_agents),
        arrayFlatten(arrayMap((p, g) -> arrayMap(m -> (concat(p, '.member'), true, ifNull((m).objectType, ''), dynamicType((m).name), (m).mbox,
            (m).mbox_sha1sum, (m).openid, (m).account IS NOT NULL, (m).account.homePage, dynamicType((m).account.name), 0, 1), g.7),
            ['object', 'object.object'], object_agents))) AS agents,
    -- Activity objects (the statement's and a SubStatement's), checked by one rule set.
    [(o_type, o_id, o_def, true), (so_type, so_id, so_def, is_substatement)] AS activities,
    -- Verbs, contexts and results of the statement and of a SubStatement.
    [verb, o_verb] AS verbs,
    [c, sc] AS contexts,
    [r, sr] AS results,
    arrayMap(e -> concat(e.1, ': ', e.2), arrayFilter(e -> e.2 != '', arrayMap(a -> (a.1, if(NOT a.2, '', multiIf(
        a.3 NOT IN ('', 'Agent', 'Group'), 'XAPI-00031 objectType must be Agent or Group',
        a.12 = 1 AND a.3 = 'Group', 'XAPI-00036 a member must be an Agent',
        a.1 IN ('context.team', 'object.context.team') AND a.3 != 'Group', 'XAPI-00088 team must be a Group',
        a.4 NOT IN ('None', 'String'), 'XAPI-00033 name must be a string',
        a.3 = 'Group' AND (a.5 IS NOT NULL) + (a.6 IS NOT NULL) + (a.7 IS NOT NULL) + a.8 > 1, 'XAPI-00037 an identified Group uses exactly one identifier',
        a.3 = 'Group' AND (a.5 IS NOT NULL) + (a.6 IS NOT NULL) + (a.7 IS NOT NULL) + a.8 = 0 AND a.11 = 0, 'XAPI-00035 an anonymous Group needs members',
        a.3 != 'Group' AND (a.5 IS NOT NULL) + (a.6 IS NOT NULL) + (a.7 IS NOT NULL) + a.8 != 1, 'XAPI-00034 an Agent uses exactly one of mbox, mbox_sha1sum, openid, account',
        a.5 IS NOT NULL AND NOT match(a.5, '^mailto:[^@\\s]+@[^@\\s]+$'), 'XAPI-00038 mbox must be mailto:email',
        a.6 IS NOT NULL AND NOT match(a.6, '^[0-9a-fA-F]{40}$'), 'XAPI-00039 mbox_sha1sum must be a SHA-1 hex string',
        a.7 IS NOT NULL AND NOT match(a.7, iri_re), 'XAPI-00040 openid must be a URI',
        a.8 AND (a.9 IS NULL OR NOT match(a.9, irl_re)), 'XAPI-00042 account.homePage must be an IRL',
        a.8 AND a.10 != 'String', 'XAPI-00043 account.name must be a string',
        a.1 = 'authority' AND a.3 = 'Group' AND (a.11 != 2 OR (a.5 IS NOT NULL) + (a.6 IS NOT NULL) + (a.7 IS NOT NULL) + a.8 > 0),
            'XAPI-00098 an authority Group is anonymous with two Agents',
        ''))), agents))) AS agent_errors,
    arrayFilter(x -> x != '', arrayMap((p, act) -> multiIf(
        NOT act.4, '',
        act.1 IS NOT NULL AND act.1 NOT IN ('Activity', 'Agent', 'Group', 'SubStatement', 'StatementRef'), concat(p, 'XAPI-00046 objectType must be Activity, Agent, Group, SubStatement or StatementRef'),
        ifNull(act.1, 'Activity') != 'Activity', '',
        act.2 IS NULL OR NOT match(act.2, iri_re), concat(p, 'XAPI-00047 an Activity id must be an IRI'),
        act.3.type IS NOT NULL AND NOT match(act.3.type, iri_re), concat(p, 'XAPI-00060 definition.type must be an IRI'),
        act.3.moreInfo IS NOT NULL AND NOT match(act.3.moreInfo, irl_re), concat(p, 'XAPI-00061 definition.moreInfo must be an IRL'),
        act.3.interactionType IS NOT NULL AND act.3.interactionType NOT IN ('true-false', 'choice', 'fill-in', 'long-fill-in', 'matching', 'performance', 'sequencing', 'likert', 'numeric', 'other'),
            concat(p, 'XAPI-00049 definition.interactionType is not in the vocabulary'),
        variantType(act.3.name) NOT IN ('None', 'Map(String, Dynamic)'), concat(p, 'XAPI-00056 definition.name must be a language map'),
        variantType(act.3.description) NOT IN ('None', 'Map(String, Dynamic)'), concat(p, 'XAPI-00059 definition.description must be a language map'),
        NOT arrayAll((k, v) -> match(k, lang_re) AND dynamicType(v) = 'String',
                mapKeys(variantElement(act.3.name, 'Map(String, Dynamic)')), mapValues(variantElement(act.3.name, 'Map(String, Dynamic)')))
            OR NOT arrayAll((k, v) -> match(k, lang_re) AND dynamicType(v) = 'String',
                mapKeys(variantElement(act.3.description, 'Map(String, Dynamic)')), mapValues(variantElement(act.3.description, 'Map(String, Dynamic)'))),
            concat(p, 'XAPI-00121 a language map has RFC 5646 tags and string values'),
        variantType(act.3.extensions) NOT IN ('None', 'Map(String, String)'), concat(p, 'XAPI-00057 definition.extensions must be an object'),
        NOT arrayAll(k -> match(k, iri_re), mapKeys(variantElement(act.3.extensions, 'Map(String, String)'))), concat(p, 'XAPI-00118 an extension key must be an IRI'),
        ''), ['object: ', 'object.object: '], activities)) AS activity_errors,
    arrayFilter(x -> x != '', arrayMap((p, v, present) -> multiIf(
        NOT present, '',
        v IS NULL OR (v).id IS NULL, concat(p, 'XAPI-00044 a verb has an id'),
        NOT match((v).id, iri_re), concat(p, 'XAPI-00044 verb.id must be an IRI'),
        variantType((v).display) NOT IN ('None', 'Map(String, Dynamic)'), concat(p, 'XAPI-00045 verb.display must be a language map'),
        NOT arrayAll((k, x) -> match(k, lang_re) AND dynamicType(x) = 'String',
                mapKeys(variantElement((v).display, 'Map(String, Dynamic)')), mapValues(variantElement((v).display, 'Map(String, Dynamic)'))),
            concat(p, 'XAPI-00121 a language map has RFC 5646 tags and string values'),
        ''), ['verb: ', 'object.verb: '], verbs, [true, is_substatement])) AS verb_errors,
    arrayFilter(x -> x != '', arrayMap((p, x, obj_type) -> multiIf(
        x IS NULL, '',
        (x).registration IS NOT NULL AND NOT match((x).registration, uuid_re), concat(p, 'XAPI-00087 context.registration must be a UUID'),
        dynamicType((x).revision) NOT IN ('None', 'String'), concat(p, 'XAPI-00089 context.revision must be a string'),
        dynamicType((x).platform) NOT IN ('None', 'String'), concat(p, 'XAPI-00090 context.platform must be a string'),
        dynamicType((x).language) NOT IN ('None', 'String'), concat(p, 'XAPI-00091 context.language must be a string'),
        dynamicType((x).language) = 'String' AND NOT match((x).language::String, lang_re), concat(p, 'XAPI-00013 context.language must be an RFC 5646 tag'),
        dynamicType((x).revision) != 'None' AND ifNull(obj_type, 'Activity') != 'Activity', concat(p, 'XAPI-00084 context.revision only with an Activity object'),
        dynamicType((x).platform) != 'None' AND ifNull(obj_type, 'Activity') != 'Activity', concat(p, 'XAPI-00085 context.platform only with an Activity object'),
        (x).statement IS NOT NULL AND (ifNull((x).statement.objectType, '') != 'StatementRef' OR NOT match(ifNull((x).statement.id, ''), uuid_re)),
            concat(p, 'XAPI-00092 context.statement must be a StatementRef'),
        NOT arrayAll(a -> match(ifNull((a).id, ''), iri_re), arrayConcat((x).contextActivities.parent, (x).contextActivities.grouping, (x).contextActivities.category, (x).contextActivities.other)),
            concat(p, 'XAPI-00094 contextActivities hold Activities with IRI ids'),
        variantType((x).extensions) NOT IN ('None', 'Map(String, String)'), concat(p, 'XAPI-00078 extensions must be an object'),
        NOT arrayAll(k -> match(k, iri_re), mapKeys(variantElement((x).extensions, 'Map(String, String)'))), concat(p, 'XAPI-00118 an extension key must be an IRI'),
        ''), ['context: ', 'object.context: '], contexts, [o_type, so_type])) AS context_errors,
    arrayFilter(x -> x != '', arrayMap((p, x) -> multiIf(
        x IS NULL, '',
        arrayExists(v -> dynamicType(v) NOT IN ('None', 'Int64', 'UInt64', 'Float64'), [(x).score.scaled, (x).score.raw, (x).score.min, (x).score.max]),
            concat(p, 'XAPI-00080 score values must be numbers'),
        toFloat64OrNull(toString((x).score.scaled)) NOT BETWEEN -1 AND 1, concat(p, 'XAPI-00083 score.scaled must be between -1 and 1'),
        toFloat64OrNull(toString((x).score.min)) >= toFloat64OrNull(toString((x).score.max)), concat(p, 'XAPI-00081 score.min must be less than score.max'),
        toFloat64OrNull(toString((x).score.raw)) < toFloat64OrNull(toString((x).score.min))
            OR toFloat64OrNull(toString((x).score.raw)) > toFloat64OrNull(toString((x).score.max)), concat(p, 'XAPI-00082 score.raw must be between min and max'),
        dynamicType((x).success) NOT IN ('None', 'Bool'), concat(p, 'XAPI-00074 result.success must be a boolean'),
        dynamicType((x).completion) NOT IN ('None', 'Bool'), concat(p, 'XAPI-00075 result.completion must be a boolean'),
        dynamicType((x).response) NOT IN ('None', 'String'), concat(p, 'XAPI-00076 result.response must be a string'),
        (x).duration IS NOT NULL AND NOT (match(trimBoth((x).duration), duration_re) AND trimBoth((x).duration) NOT IN ('P', '') AND NOT endsWith((x).duration, 'T')),
            concat(p, 'XAPI-00124 result.duration must be an ISO 8601 duration'),
        variantType((x).extensions) NOT IN ('None', 'Map(String, String)'), concat(p, 'XAPI-00078 extensions must be an object'),
        NOT arrayAll(k -> match(k, iri_re), mapKeys(variantElement((x).extensions, 'Map(String, String)'))), concat(p, 'XAPI-00118 an extension key must be an IRI'),
        ''), ['result: ', 'object.result: '], results)) AS result_errors,
    arrayFilter(x -> x != '', arrayMap(a -> multiIf(
        (a).usageType IS NULL OR NOT match((a).usageType, iri_re), 'attachments: XAPI-00107 usageType must be an IRI',
        variantType((a).display) != 'Map(String, Dynamic)', 'attachments: XAPI-00106 display must be a language map',
        variantType((a).description) NOT IN ('None', 'Map(String, Dynamic)'), 'attachments: XAPI-00106 description must be a language map',
        NOT arrayAll((k, v) -> match(k, lang_re) AND dynamicType(v) = 'String',
                arrayConcat(mapKeys(variantElement((a).display, 'Map(String, Dynamic)')), mapKeys(variantElement((a).description, 'Map(String, Dynamic)'))),
                arrayConcat(mapValues(variantElement((a).display, 'Map(String, Dynamic)')), mapValues(variantElement((a).description, 'Map(String, Dynamic)')))),
            'attachments: XAPI-00121 a language map has RFC 5646 tags and string values',
        (a).contentType IS NULL OR NOT match((a).contentType, '^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(\\s*;.*)?$'), 'attachments: XAPI-00105 contentType must be a MIME type',
        dynamicType((a).length) NOT IN ('Int64', 'UInt64'), 'attachments: XAPI-00102 length must be an integer',
        dynamicType((a).sha2) != 'String', 'attachments: XAPI-00103 sha2 must be a string',
        (a).fileUrl IS NOT NULL AND NOT match((a).fileUrl, irl_re), 'attachments: XAPI-00104 fileUrl must be an IRL',
        ''), attachments)) AS attachment_errors,
    multiIf(
        id_text IS NOT NULL AND NOT match(id_text, uuid_re), 'XAPI-00027 id must be a UUID in standard form',
        ts_text IS NOT NULL AND (NOT match(ts_text, ts_re) OR match(ts_text, '-00(:?00)?$')), 'XAPI-00123 timestamp must be ISO 8601 (not -00:00)',
        stored_text IS NOT NULL AND (NOT match(stored_text, ts_re) OR stored_parsed IS NULL), 'XAPI-00123 stored must be ISO 8601',
        dynamicType(version_dyn) NOT IN ('None', 'String') OR (dynamicType(version_dyn) = 'String' AND NOT match(version_dyn::String, '^1\\.0(\\.\\d+)?$')),
            'XAPI-00101 version must be 1.0.x',
        (verb).id = 'http://adlnet.gov/expapi/verbs/voided' AND ifNull(o_type, '') != 'StatementRef', 'XAPI-00017 a voiding statement''s object is a StatementRef',
        o_type = 'StatementRef' AND NOT match(ifNull(o_id, ''), uuid_re), 'XAPI-00072 a StatementRef id must be a UUID',
        is_substatement AND o_actor IS NULL, 'XAPI-00066 a SubStatement has an actor',
        is_substatement AND o_verb IS NULL, 'XAPI-00066 a SubStatement has a verb',
        is_substatement AND so IS NULL, 'XAPI-00066 a SubStatement has an object',
        is_substatement AND so_type = 'SubStatement', 'XAPI-00071 a SubStatement cannot hold a SubStatement',
        is_substatement AND o_id IS NOT NULL, 'XAPI-00070 a SubStatement has no id',
        is_substatement AND dynamicType(o_stored) != 'None', 'XAPI-00069 a SubStatement has no stored',
        is_substatement AND dynamicType(o_version) != 'None', 'XAPI-00068 a SubStatement has no version',
        is_substatement AND dynamicType(o_authority) != 'None', 'XAPI-00067 a SubStatement has no authority',
        is_substatement AND o_ts IS NOT NULL AND (NOT match(o_ts, ts_re) OR match(o_ts, '-00(:?00)?$')
            OR parseDateTime64BestEffortOrNull(o_ts, 3, 'UTC') IS NULL), 'XAPI-00123 object.timestamp must be ISO 8601 (not -00:00)',
        so_type = 'StatementRef' AND NOT match(ifNull(so_id, ''), uuid_re), 'XAPI-00072 a StatementRef id must be a UUID',
        '') AS statement_error

SELECT *,
    -- An anonymous Group is keyed by its members: the same members in any order give the same key.
    arraySlice(keys, 6, length((actor).member)) AS actor_member_keys_v,
    arrayFilter(k -> k != '', actor_member_keys_v) AS actor_member_ids,
    arrayFilter(k -> k != '', arraySlice(keys, 6 + length((actor).member))) AS team_member_ids,
    if(keys[1] = '' AND (actor).objectType = 'Group' AND notEmpty(actor_member_ids),
        concat('group::', lower(hex(sipHash128(arrayStringConcat(arraySort(arrayDistinct(actor_member_ids)), '\n'))))),
        keys[1]) AS actor_key_v,
    if(keys[3] = '' AND notEmpty(team_member_ids),
        concat('group::', lower(hex(sipHash128(arrayStringConcat(arraySort(arrayDistinct(team_member_ids)), '\n'))))),
        keys[3]) AS team_key_v,
    match(duration_text, duration_re) AND duration_text NOT IN ('P', '') AND NOT endsWith(duration_text, 'T') AS duration_ok,
    arrayMap(x -> ifNull(toFloat64OrNull(replaceOne(x, ',', '.')), 0), extractGroups(duration_text, duration_re)) AS dparts,
    if(validation = 'strict',
        arrayFirst(e -> e != '', arrayConcat([statement_error], agent_errors, verb_errors, activity_errors,
            context_errors, result_errors, attachment_errors)),
        '') AS strict_error

FROM (
-- Layer 4: a SubStatement's object parts, and every agent's normalised key.
WITH
    -- Normalisation (docs/xapi.md): mbox trimmed and lower-cased whole (scheme, local part, domain);
    -- mbox_sha1sum lower-cased; openid trimmed; account homePage with scheme and host lower-cased and
    -- trailing slashes removed, account name exact. Identifiers of every agent position, in one array
    -- so the key rule is written once: [actor, instructor, team, authority, object] ++ members.
    arrayConcat(
        arrayMap(g -> ((g).mbox, (g).mbox_sha1sum, (g).openid, (g).account.homePage, (g).account.name::Nullable(String)),
            [actor, c_instructor, c_team, authority]),
        [(o_mbox, o_sha1, o_openid, (o_account).homePage, (o_account).name::Nullable(String))],
        arrayMap(m -> ((m).mbox, (m).mbox_sha1sum, (m).openid, (m).account.homePage, (m).account.name::Nullable(String)),
            arrayConcat((actor).member, (c_team).member))) AS ifis
SELECT * EXCEPT (o),
    (so).objectType AS so_type,
    (so).id AS so_id,
    (so).definition AS so_def,
    ifNull(o_type, '') = 'SubStatement' AS is_substatement,
    variantElement((o_def).name, 'Map(String, Dynamic)') AS object_name_map,
    arrayMap(i -> multiIf(
        trimBoth(ifNull(i.1, '')) != '',
            concat('mbox::', if(startsWith(lower(trimBoth(i.1)), 'mailto:'), '', 'mailto:'), lower(trimBoth(i.1))),
        ifNull(i.2, '') != '', concat('mbox_sha1sum::', lower(trimBoth(i.2))),
        trimBoth(ifNull(i.3, '')) != '', concat('openid::', trimBoth(i.3)),
        ifNull(i.4, '') != '' AND ifNull(i.5, '') != '',
            concat('account::',
                replaceRegexpOne(trimRight(trimBoth(i.4), '/'), '^([A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)', lower(extract(trimBoth(i.4), '^([A-Za-z][A-Za-z0-9+.-]*://[^/?#]*)'))),
                '::', i.5),
        ''), ifis) AS keys
FROM (
-- Layer 3: the object's and the context's parts, and the parsed scalar values.
SELECT * EXCEPT (s),
    o IS NULL AS o_null,
    (o).objectType AS o_type,
    (o).id AS o_id,
    (o).definition AS o_def,
    (o).name AS o_name,
    (o).mbox AS o_mbox,
    (o).mbox_sha1sum AS o_sha1,
    (o).openid AS o_openid,
    (o).account AS o_account,
    (o).member AS o_member,
    (o).actor AS o_actor,
    (o).verb AS o_verb,
    (o).object AS so,
    (o).context AS sc,
    (o).result AS sr,
    (o).timestamp AS o_ts,
    (o).stored AS o_stored,
    (o).version AS o_version,
    (o).authority AS o_authority,
    (c).instructor AS c_instructor,
    (c).team AS c_team,
    (c).contextActivities AS c_activities,
    toUUIDOrNull(ifNull(id_text, '')) AS id_uuid,
    parseDateTime64BestEffortOrNull(ifNull(ts_text, ''), 3, 'UTC') AS ts_parsed,
    parseDateTime64BestEffortOrNull(ifNull(stored_text, ''), 3, 'UTC') AS stored_parsed,
    variantElement((verb).display, 'Map(String, Dynamic)') AS verb_display_map,
    trimBoth(ifNull((r).duration, '')) AS duration_text
FROM (
-- Layer 2: the statement's top-level parts, each read once from `s`.
SELECT *,
    s IS NULL AS s_null,
    (s).id AS id_text,
    (s).actor AS actor,
    (s).verb AS verb,
    (s).object AS o,
    (s).result AS r,
    (s).context AS c,
    (s).timestamp AS ts_text,
    (s).stored AS stored_text,
    (s).version AS version_dyn,
    (s).authority AS authority,
    (s).attachments AS attachments
FROM (
-- Layer 1: the one parse.
SELECT *,
    JSONExtract(clean_line, 'Nullable(Tuple(
            id Nullable(String),
            actor {{agent_type}},
            verb Nullable(Tuple(id Nullable(String), display Variant(Map(String, Dynamic), String, Float64, Bool))),
            object Nullable(Tuple(
                objectType Nullable(String), id Nullable(String),
                definition Nullable(Tuple(type Nullable(String), name Variant(Map(String, Dynamic), String, Float64, Bool), description Variant(Map(String, Dynamic), String, Float64, Bool), moreInfo Nullable(String), interactionType Nullable(String), extensions Variant(Map(String, String), String, Float64, Bool))),
                name Dynamic, mbox Nullable(String), mbox_sha1sum Nullable(String), openid Nullable(String), account Nullable(Tuple(homePage Nullable(String), name Dynamic)), member Array({{member_type}}),
                actor {{agent_type}},
                verb Nullable(Tuple(id Nullable(String), display Variant(Map(String, Dynamic), String, Float64, Bool))),
                object Nullable(Tuple(
                    objectType Nullable(String), id Nullable(String),
                    definition Nullable(Tuple(type Nullable(String), name Variant(Map(String, Dynamic), String, Float64, Bool), description Variant(Map(String, Dynamic), String, Float64, Bool), moreInfo Nullable(String), interactionType Nullable(String), extensions Variant(Map(String, String), String, Float64, Bool))),
                    name Dynamic, mbox Nullable(String), mbox_sha1sum Nullable(String), openid Nullable(String), account Nullable(Tuple(homePage Nullable(String), name Dynamic)), member Array({{member_type}}))),
                context Nullable(Tuple(registration Nullable(String), revision Dynamic, platform Dynamic, language Dynamic,
                    instructor {{agent_type}},
                    team {{agent_type}},
                    contextActivities Nullable(Tuple(parent Array(Tuple(id Nullable(String))), grouping Array(Tuple(id Nullable(String))),
                        category Array(Tuple(id Nullable(String))), other Array(Tuple(id Nullable(String))))),
                    statement Nullable(Tuple(objectType Nullable(String), id Nullable(String))),
                    extensions Variant(Map(String, String), String, Float64, Bool))),
                result Nullable(Tuple(
                    score Nullable(Tuple(scaled Dynamic, raw Dynamic, min Dynamic, max Dynamic)),
                    success Dynamic, completion Dynamic, response Dynamic, duration Nullable(String),
                    extensions Variant(Map(String, String), String, Float64, Bool))),
                timestamp Nullable(String),
                stored Dynamic, version Dynamic, authority Dynamic)),
            result Nullable(Tuple(
                score Nullable(Tuple(scaled Dynamic, raw Dynamic, min Dynamic, max Dynamic)),
                success Dynamic, completion Dynamic, response Dynamic, duration Nullable(String),
                extensions Variant(Map(String, String), String, Float64, Bool))),
            context Nullable(Tuple(registration Nullable(String), revision Dynamic, platform Dynamic, language Dynamic,
                instructor {{agent_type}},
                team {{agent_type}},
                contextActivities Nullable(Tuple(parent Array(Tuple(id Nullable(String))), grouping Array(Tuple(id Nullable(String))),
                    category Array(Tuple(id Nullable(String))), other Array(Tuple(id Nullable(String))))),
                statement Nullable(Tuple(objectType Nullable(String), id Nullable(String))),
                extensions Variant(Map(String, String), String, Float64, Bool))),
            timestamp Nullable(String),
            stored Nullable(String),
            version Dynamic,
            authority {{agent_type}},
            attachments Array(Tuple(usageType Nullable(String), display Variant(Map(String, Dynamic), String, Float64, Bool), description Variant(Map(String, Dynamic), String, Float64, Bool), contentType Nullable(String), length Dynamic, sha2 Dynamic, fileUrl Nullable(String)))
        ))') AS s
    FROM (SELECT *, trimRight(replaceRegexpOne(line, '^\xEF\xBB\xBF', ''), '\r') AS clean_line FROM ingest_lines_strict)
)))))));

-- The lenient parse (the default, XAPI_VALIDATION=lenient): the same ingest_parsed row as the strict view
-- for every line, from a much smaller typed tuple. Only the fields the analytics columns and the lenient
-- rules read are extracted; a SubStatement is read for its object's id only, attachments are counted.
-- Read the layers from the bottom up; the conventions of the strict view above hold ((x).field, one value per
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
-- Layer 1: the one parse, into the fields the analytics columns read. Types as in the strict view above, so the columns come out the same as the strict view's.
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
            actor {{agent_type}},
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
                instructor {{agent_type}},
                team {{agent_type}},
                contextActivities Nullable(Tuple(parent Array(Tuple(id Nullable(String))), grouping Array(Tuple(id Nullable(String))),
                    category Array(Tuple(id Nullable(String))), other Array(Tuple(id Nullable(String))))),
                statement Nullable(Tuple(objectType Nullable(String), id Nullable(String))),
                extensions Variant(Map(String, String), String, Float64, Bool))),
            timestamp Nullable(String),
            stored Nullable(String),
            version Dynamic,
            authority {{agent_type}},
            attachments Array(Tuple(usageType Nullable(String)))
        ))') AS s
    FROM (SELECT *, trimRight(replaceRegexpOne(line, '^\xEF\xBB\xBF', ''), '\r') AS clean_line FROM ingest_lines_lenient)
)))));
