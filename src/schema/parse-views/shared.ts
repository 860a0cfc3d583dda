import { sqlStringBody } from '../sql-literal.js';
import { LENIENT_RULES } from './rules.js';

/**
 * What both parse views share, written once: the lines they read, the split of the statement into its parts,
 * actor keys, durations, the lenient rules, and the row they write (ingest_parsed's columns). Each function
 * returns one layer's SQL; views.ts stacks them, the strict view with its rule layers between the lenient rules
 * and the row.
 */

/** The line, without a UTF-8 byte order mark or a trailing CR. */
/**
 * Settings of both views. Dynamic keeps a value's JSON type; without these, a string that looks like a date
 * would be read as a Date.
 */
export const VIEW_SETTINGS = ['input_format_try_infer_dates = 0', 'input_format_try_infer_datetimes = 0'];

export const cleanLine = (table: string): string =>
  `SELECT *, trimRight(replaceRegexpOne(line, '^\\xEF\\xBB\\xBF', ''), '\\r') AS clean_line FROM ${table}`;

/** Layer: the statement's top-level parts, each read once from `s`. */
export function partsLayer(inner: string): string {
  return `-- The statement's top-level parts, each read once from \`s\`.
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
    ((s).context).contextAgents AS c_agents,
    ((s).context).contextGroups AS c_groups,
    (s).timestamp AS ts_text,
    (s).stored AS stored_text,
    (s).version AS version_dyn,
    (s).authority AS authority,
    length((s).attachments) AS attachments_n
FROM (
${inner}
)`;
}

/** contextActivities ids as the columns read them: arrays only (a single Activity object is not a list here). */
const contextIds = (key: string) =>
  `arrayMap(x -> ifNull((x).id, ''), (c_activities).${key}) AS context_${key}_ids`;

/** The identifiers of an agent-shaped tuple `x`, as the key lambda reads them. */
export const ifi = (x: string) =>
  `((${x}).mbox, (${x}).mbox_sha1sum, (${x}).openid, ((${x}).account).homePage, ((${x}).account).name::Nullable(String))`;

/** An agent's normalised key from its identifiers `i` (a tuple: mbox, mbox_sha1sum, openid, homePage, name). */
export const KEY_OF_IFI = `multiIf(
        trimBoth(ifNull(i.1, '')) != '',
            concat('mbox::', if(startsWith(lower(trimBoth(i.1)), 'mailto:'), '', 'mailto:'), lower(trimBoth(i.1))),
        ifNull(i.2, '') != '', concat('mbox_sha1sum::', lower(trimBoth(i.2))),
        trimBoth(ifNull(i.3, '')) != '', concat('openid::', trimBoth(i.3)),
        ifNull(i.4, '') != '' AND ifNull(i.5, '') != '',
            -- lower(scheme://host) ++ the rest
            concat('account::',
                lower(extract(trimRight(trimBoth(i.4), '/'), '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*')),
                substring(trimRight(trimBoth(i.4), '/'), length(extract(trimRight(trimBoth(i.4), '/'), '^[A-Za-z][A-Za-z0-9+.-]*://[^/?#]*')) + 1),
                '::', i.5),
        '')`;

/** Layer: every agent's key, the object's parts, the parsed scalar values. */
export function keysLayer(inner: string): string {
  return `-- Every agent's normalised key (docs/xapi.md): mbox trimmed and lower-cased whole; mbox_sha1sum
-- lower-cased; openid trimmed; account homePage with scheme and host lower-cased and trailing slashes
-- removed, account name exact. Positions: [actor, instructor, team, authority, object] ++ members of
-- the actor, then of the team. The object's parts and the parsed scalar values.
WITH
    -- Each position's identifiers, projected one by one (an array of whole agent tuples, members
    -- included, costs about a tenth of this view's time).
    arrayConcat(
        [${['actor', 'c_instructor', 'c_team', 'authority', 'o'].map(ifi).join(',\n         ')}],
        arrayMap(m -> ${ifi('m')},
            arrayConcat((actor).member, (c_team).member))) AS ifis
SELECT * EXCEPT (o),
    o IS NULL AS o_null,
    (o).objectType AS o_type,
    (o).id AS o_id,
    (o).definition AS o_def,
    ((o).object).id AS so_id,
    ((o).definition).name AS object_name_map,
    arrayMap(i -> ${KEY_OF_IFI}, ifis) AS keys,
    -- The other people a statement names, for erasure only: the object Group's members, a SubStatement's
    -- actor (and members) and its object when that is an Agent or Group, xAPI 2.0's context agents and groups.
    arrayFilter(k -> k != '', arrayMap(i -> ${KEY_OF_IFI},
        arrayConcat([${ifi('(o).actor')}, ${ifi('(o).object')}],
            arrayMap(m -> ${ifi('m')},
                arrayConcat((o).member, ((o).actor).member, ((o).object).member)),
            arrayMap(a -> ${ifi('(a).agent')}, c_agents),
            arrayMap(g -> ${ifi('(g).group')}, c_groups),
            arrayMap(m -> ${ifi('m')}, arrayFlatten(arrayMap(g -> ((g).group).member, c_groups)))))) AS other_person_keys,

    toUUIDOrNull(ifNull(id_text, '')) AS id_uuid,
    -- upper(): RFC 3339 (xAPI 2.0) allows a lower-case t and z, which the parser does not read.
    parseDateTime64BestEffortOrNull(upper(ifNull(ts_text, '')), 3, 'UTC') AS ts_parsed,
    parseDateTime64BestEffortOrNull(upper(ifNull(stored_text, '')), 3, 'UTC') AS stored_parsed,
    (verb).display AS verb_display_map,
    ${['parent', 'grouping', 'category', 'other'].map(contextIds).join(',\n    ')},
    trimBoth(ifNull((r).duration, '')) AS duration_text
FROM (
${inner}
)`;
}

/** The duration's parts: P[nY][nM][nW][nD][T[nH][nM][nS]] (a decimal comma is accepted as in ISO 8601). */
const DURATION_PARTS = sqlStringBody(
  String.raw`^P(?:(\d+(?:[.,]\d+)?)Y)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)W)?(?:(\d+(?:[.,]\d+)?)D)?(?:T(?:(\d+(?:[.,]\d+)?)H)?(?:(\d+(?:[.,]\d+)?)M)?(?:(\d+(?:[.,]\d+)?)S)?)?$`,
);

/** Layer: the keys of grouped actors and the duration's parts. */
export function groupsLayer(inner: string): string {
  return `-- The keys of grouped actors (an anonymous Group is keyed by its members: the same members in any order
-- give the same key) and the duration's parts.
WITH
    '${DURATION_PARTS}' AS duration_re
SELECT *,
    arraySlice(keys, 6, length((actor).member)) AS actor_member_keys_v,
    arrayFilter(k -> k != '', actor_member_keys_v) AS actor_member_ids,
    arrayFilter(k -> k != '', arraySlice(keys, 6 + length((actor).member))) AS team_member_ids,
    if(keys[1] = '' AND (actor).objectType = 'Group' AND notEmpty(actor_member_ids),
        concat('group::', lower(hex(sipHash128(arrayStringConcat(arraySort(arrayDistinct(actor_member_ids)), '\\n'))))),
        keys[1]) AS actor_key_v,
    if(keys[3] = '' AND notEmpty(team_member_ids),
        concat('group::', lower(hex(sipHash128(arrayStringConcat(arraySort(arrayDistinct(team_member_ids)), '\\n'))))),
        keys[3]) AS team_key_v,
    duration_text != '' AND match(duration_text, duration_re) AND duration_text != 'P' AND NOT endsWith(duration_text, 'T') AS duration_ok,
    if(duration_text = '', [], arrayMap(x -> ifNull(toFloat64OrNull(replaceOne(x, ',', '.')), 0), extractGroups(duration_text, duration_re))) AS dparts
FROM (
${inner}
)`;
}

/**
 * Layer: the lenient rules (rules.ts, LENIENT_RULES) and the duration in ms. In the lenient view they are all
 * there is: its `reason`, and no strict detail; the strict view names them `lenient_reason` and adds its rules.
 */
export function lenientLayer(inner: string, lenientView: boolean): string {
  const branches = LENIENT_RULES.map((r) => `        ${r.when}, '${r.code}'`).join(',\n');
  return `-- The lenient rules (both modes): only what cannot be an analytics row (rules.ts, LENIENT_RULES).
SELECT *,
    multiIf(
${branches},
        '') AS ${lenientView ? 'reason' : 'lenient_reason'},${lenientView ? "\n    '' AS strict_detail," : ''}
    if(duration_ok, toInt64(round(1000 * (dparts[1] * 31536000 + dparts[2] * 2592000 + dparts[3] * 604800
        + dparts[4] * 86400 + dparts[5] * 3600 + dparts[6] * 60 + dparts[7]))), NULL) AS duration_ms_v
FROM (
${inner}
)`;
}

/**
 * Layer: every person the line names (person_keys: erasure finds a learner's rows by them) and whether one of
 * them was erased (`xapi-etl erase`): then nothing of the line is stored but its place and the reason. A line
 * that is not JSON names the mailboxes its text holds. The erased keys are read once per block, as SHA-256 hashes.
 */
export function personsLayer(inner: string): string {
  return `-- Every person the line names, and whether one was erased (xapi-etl erase).
SELECT *,
    if(empty(erased_key_hashes), false,
        hasAny(arrayMap(k -> lower(hex(SHA256(k))), person_keys_v), erased_key_hashes)) AS erased_hit
FROM (
    SELECT *,
        arraySort(arrayDistinct(arrayFilter(k -> k != '', arrayConcat(keys, [actor_key_v, team_key_v], other_person_keys,
            if(s_null, arrayMap(m -> concat('mbox::', lower(m)), extractAll(clean_line, '${sqlStringBody(String.raw`mailto:[^"\s,;<>()\[\]{}]+`)}')), []))))) AS person_keys_v,
        (SELECT groupArray(key_hash) FROM erased_keys) AS erased_key_hashes
    FROM (
${inner}
    )
)`;
}

/** What a line naming an erased learner says instead of itself. */
const ERASED_DETAIL =
  'the line names a learner whose data was erased (xapi-etl erase): only its place is kept';

/**
 * The last layer: the row, in ingest_parsed's columns (0001, 0003). \`reason\`, \`strict_detail\`, \`person_keys_v\`
 * and \`erased_hit\` come from below. \`settings\` are the view's query settings (src/schema/pause.ts puts a guard
 * before them while a migration moves the raw tables).
 */
export function rowLayer(inner: string, settings: string[]): string {
  const details = LENIENT_RULES.map((r) => `        reason = '${r.code}', ${r.detail}`).join(',\n');
  const named = LENIENT_RULES.filter((r) => r.strict);
  const list = (values: string[]) => `[${values.map((v) => `'${v}'`).join(', ')}]`;
  return `-- The row, in ingest_parsed's columns. A strict load names a lenient fault by the specification's rule.
SELECT
    load_id, load_mode, validation, source_bucket, source_key, source_etag, source_time, line_number, section_id, event_type,
    if(erased_hit, '', clean_line) AS raw_line,
    if(erased_hit, 'erased_actor', if(validation = 'strict',
        transform(reason, ${list(named.map((r) => r.code))}, ${list(named.map((r) => r.strict as string))}, reason),
        reason)) AS reject_reason,
    multiIf(
        erased_hit, '${ERASED_DETAIL}',
${details},
        reason != '', strict_detail,
        '') AS reject_detail,
    -- A statement without an id gets a deterministic one from its content, so a reload never duplicates it.
    ifNull(id_uuid, reinterpretAsUUID(sipHash128(clean_line))) AS statement_id,
    id_uuid IS NOT NULL AS has_id,
    coalesce(ts_parsed, stored_parsed, toDateTime64(source_time, 3, 'UTC')) AS timestamp,
    -- The partition and sort key: the statement's own time only, so that two copies of it always meet.
    toDate(ifNull(coalesce(ts_parsed, stored_parsed), toDateTime64(0, 3, 'UTC'))) AS statement_date,
    if(erased_hit, [], person_keys_v) AS person_keys,
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
    context_parent_ids,
    context_grouping_ids,
    context_category_ids,
    context_other_ids,
    keys[2] AS context_instructor_key,
    team_key_v AS context_team_key,
    if(dynamicType((c).revision) = 'String', (c).revision::String, '') AS context_revision,
    if(((c).statement).objectType = 'StatementRef', toUUIDOrNull(ifNull(((c).statement).id, '')), NULL) AS context_statement_id,
    (c).extensions AS context_extensions,
    toFloat64OrNull(toString(((r).score).scaled)) AS result_score_scaled,
    toFloat64OrNull(toString(((r).score).raw)) AS result_score_raw,
    toFloat64OrNull(toString(((r).score).min)) AS result_score_min,
    toFloat64OrNull(toString(((r).score).max)) AS result_score_max,
    if(dynamicType((r).success) = 'Bool', (r).success::Bool, NULL) AS result_success,
    if(dynamicType((r).completion) = 'Bool', (r).completion::Bool, NULL) AS result_completion,
    if(dynamicType((r).response) = 'String', (r).response::String, NULL) AS result_response,
    (r).duration AS result_duration,
    duration_ms_v AS result_duration_ms,
    (r).extensions AS result_extensions,
    if((verb).id = 'http://adlnet.gov/expapi/verbs/voided' AND o_type = 'StatementRef',
        toUUIDOrNull(ifNull(o_id, '')), NULL) AS voided_statement_id,
    keys[4] AS authority_key,
    attachments_n AS attachments_count,
    -- xAPI Video Profile: the video activity type, the profile in the category, or a profile verb.
    reason = '' AND NOT erased_hit AND (object_definition_type = 'https://w3id.org/xapi/video/activity-type/video'
        OR has(context_category_ids, 'https://w3id.org/xapi/video')
        OR startsWith(verb_id, 'https://w3id.org/xapi/video/verbs/')) AS is_video
FROM (
${inner}
)
SETTINGS ${settings.join(', ')}`;
}
