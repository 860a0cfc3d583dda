import { sqlStringBody } from '../sql-literal.js';
import { PATTERNS } from './formats.js';
import type { KindName } from './model.js';
import { withVariants } from './model-2.js';

/**
 * The strict rules that are not a row of a property table (those are in model.ts): the requirement bullets of
 * xAPI 1.0.3's Data part that relate several properties, and the rules of the objects whose keys are data
 * (language maps, extensions). One line each: id, section, on which kind of object, the JSON path (relative to
 * that object) a rejection points at, what it says, and the SQL that is true when the rule is broken.
 *
 * In `broken`, `m` is the object: a Map from each of its keys to the value's raw JSON (`m['mbox']` is
 * '"mailto:a@example.org"', a missing key ''); the helpers below read it. Rules of one kind are tried in order,
 * after the rules every object obeys (rows of its table, no null, known keys, …); the first broken rule of a
 * statement is the one reported.
 */
export interface StrictRule {
  id: string;
  section: string;
  on: KindName[];
  path: string;
  says: string;
  broken: string;
}

/** The string value of key `k` ('' when absent or not a string). */
const str = (k: string) => `if(startsWith(m['${k}'], '"'), JSONExtractString(m['${k}']), '')`;
/** Key `k` is present (its value may still be null: rows reject nulls first). */
const has = (k: string) => `mapContains(m, '${k}')`;
/** The number of elements of the array under key `k` (0 when absent). */
const count = (k: string) => `JSONLength(m['${k}'])`;
/** A string property of the object under key `k`. */
const sub = (k: string, field: string) => `JSONExtractString(m['${k}'], '${field}')`;
const num = (k: string) => `toFloat64OrNull(m['${k}'])`;

/** How many inverse functional identifiers an Agent or Group uses (2.4.2.3). */
const IFIS = `(${has('mbox')} + ${has('mbox_sha1sum')} + ${has('openid')} + ${has('account')})`;
const AUTHORITY_IFIS = `(JSONHas(m['authority'], 'mbox') + JSONHas(m['authority'], 'mbox_sha1sum') + JSONHas(m['authority'], 'openid') + JSONHas(m['authority'], 'account'))`;
const IS_GROUP = `${str('objectType')} = 'Group'`;
const OBJECT_TYPES = "('Activity', 'Agent', 'Group', 'SubStatement', 'StatementRef')";
const INTERACTION_LISTS = ['choices', 'scale', 'source', 'target', 'steps'];

/** A rule of a kind holds for its 2.0 variant too (model-2.ts): 2.0 keeps every rule it does not change. */
const r = (id: string, section: string, on: KindName[], path: string, says: string, broken: string) => ({
  id,
  section,
  on: withVariants(on),
  path,
  says,
  broken,
});

export const STRICT_RULES: StrictRule[] = [
  // Statement (2.3.2, 2.4.4, 2.4.6, 2.4.9) and SubStatement (2.4.4.3): rules across their properties.
  r(
    'XAPI-00071',
    '2.4.4.3.s8.b4',
    ['substatement'],
    'object.objectType',
    'a SubStatement cannot hold a SubStatement',
    `${sub('object', 'objectType')} = 'SubStatement'`,
  ),
  r(
    'XAPI-00009',
    '2.2.s4.b1.b6',
    ['statement', 'substatement'],
    'object.objectType',
    'objectType values are case-exact: Activity, Agent, Group, SubStatement, StatementRef',
    `${sub('object', 'objectType')} NOT IN ${OBJECT_TYPES} AND lower(${sub('object', 'objectType')}) IN ('activity', 'agent', 'group', 'substatement', 'statementref')`,
  ),
  r(
    'XAPI-00046',
    '2.4.4.s2',
    ['statement', 'substatement'],
    'object.objectType',
    'object.objectType is Activity, Agent, Group, SubStatement or StatementRef',
    `JSONHas(m['object'], 'objectType') AND ${sub('object', 'objectType')} NOT IN ${OBJECT_TYPES}`,
  ),
  r(
    'XAPI-00017',
    '2.3.2.s2.b1',
    ['statement', 'substatement'],
    'object',
    "a voiding statement's object is a StatementRef",
    `${sub('verb', 'id')} = 'http://adlnet.gov/expapi/verbs/voided' AND ${sub('object', 'objectType')} != 'StatementRef'`,
  ),
  r(
    'XAPI-00098',
    '2.4.9.s3.b1',
    ['statement'],
    'authority',
    'an authority is an Agent, or an anonymous Group of two Agents (3-legged OAuth)',
    `${sub('authority', 'objectType')} = 'Group' AND (JSONLength(m['authority'], 'member') != 2 OR ${AUTHORITY_IFIS} > 0)`,
  ),
  r(
    'XAPI-00084',
    '2.4.6.s4.b1',
    ['statement', 'substatement'],
    'context.revision',
    "context.revision is only used when the statement's object is an Activity",
    `JSONHas(m['context'], 'revision') AND JSONHas(m['object'], 'objectType') AND ${sub('object', 'objectType')} != 'Activity'`,
  ),
  r(
    'XAPI-00085',
    '2.4.6.s4.b2',
    ['statement', 'substatement'],
    'context.platform',
    "context.platform is only used when the statement's object is an Activity",
    `JSONHas(m['context'], 'platform') AND JSONHas(m['object'], 'objectType') AND ${sub('object', 'objectType')} != 'Activity'`,
  ),

  // Agents and Groups (2.4.2), wherever they occur.
  r(
    'XAPI-00034',
    '2.4.2.1.s2.b1',
    ['agent', 'member', 'contextAgentAgent'],
    '',
    'an Agent has exactly one of mbox, mbox_sha1sum, openid, account',
    `NOT ${IS_GROUP} AND ${IFIS} != 1`,
  ),
  r(
    'DATA-2.4.2.2.s2.table1.row1',
    '2.4.2.2.s2.table1.row1',
    ['agent'],
    'objectType',
    'an object with members is a Group: objectType Group is required',
    `${count('member')} > 0 AND NOT ${IS_GROUP}`,
  ),
  r(
    'XAPI-00035',
    '2.4.2.2.s4.b1',
    ['agent'],
    'member',
    'an anonymous Group lists its members',
    `${IS_GROUP} AND ${IFIS} = 0 AND ${count('member')} = 0`,
  ),
  r(
    'XAPI-00037',
    '2.4.2.2.s5.b1',
    ['agent'],
    '',
    'an identified Group has exactly one of mbox, mbox_sha1sum, openid, account',
    `${IS_GROUP} AND ${IFIS} > 1`,
  ),

  // Context (2.4.6).
  r(
    'XAPI-00088',
    '2.4.6.s3.table1.row3',
    ['context'],
    'team',
    'context.team is a Group',
    `${has('team')} AND ${sub('team', 'objectType')} != 'Group'`,
  ),

  // xAPI 2.0 (9274.1.1): Context Agents and Context Groups.
  r(
    'DATA2-contextGroup.group',
    '9274.1.1 Context Groups table, group',
    ['contextGroup'],
    'group.objectType',
    'the group of a Context Group is a Group (objectType Group)',
    `${sub('group', 'objectType')} != 'Group'`,
  ),
  ...(['contextAgent', 'contextGroup'] as const).map((owner) =>
    r(
      `DATA2-${owner}.relevantTypes`,
      `9274.1.1 ${owner === 'contextAgent' ? 'Context Agents' : 'Context Groups'} table, relevantTypes`,
      [owner],
      'relevantTypes',
      'relevantTypes is an array of one or more IRIs',
      `${has('relevantTypes')} AND (${count('relevantTypes')} = 0 OR NOT arrayAll(x -> match(JSONExtractString(x), '${sqlStringBody(PATTERNS.iri)}'), JSONExtractArrayRaw(m['relevantTypes'])))`,
    ),
  ),

  // Activity definitions and interaction components (2.4.4.1).
  r(
    'XAPI-00064',
    '2.4.4.1.s8.table1.row1',
    ['definition'],
    'interactionType',
    'an interaction (correctResponsesPattern, choices, scale, source, target, steps) has an interactionType',
    `NOT ${has('interactionType')} AND (${has('correctResponsesPattern')} OR ${INTERACTION_LISTS.map(has).join(' OR ')})`,
  ),
  r(
    'DATA-2.4.4.1.s15.table2',
    '2.4.4.1.s15.table2',
    ['definition'],
    'interactionType',
    'a component list goes with its interactionType: choices with choice or sequencing, scale with likert, source and target with matching, steps with performance (2.4.4.1.s13.b3 lets an LRS reject the others)',
    `${has('interactionType')} AND (
        (${has('choices')} AND ${str('interactionType')} NOT IN ('choice', 'sequencing'))
        OR (${has('scale')} AND ${str('interactionType')} != 'likert')
        OR ((${has('source')} OR ${has('target')}) AND ${str('interactionType')} != 'matching')
        OR (${has('steps')} AND ${str('interactionType')} != 'performance'))`,
  ),
  r(
    'DATA-2.4.4.1.s16.b1',
    '2.4.4.1.s16.b1',
    ['definition'],
    '',
    'the ids of an interaction component list are distinct',
    `arrayExists(l -> length(arrayDistinct(l)) != length(l), [${INTERACTION_LISTS.map(
      (k) => `arrayMap(c -> JSONExtractRaw(c, 'id'), JSONExtractArrayRaw(m['${k}']))`,
    ).join(', ')}])`,
  ),

  // Score (2.4.5.1).
  r(
    'XAPI-00083',
    '2.4.5.1.s2.table1.row1',
    ['score'],
    'scaled',
    'score.scaled is between -1 and 1',
    `${num('scaled')} NOT BETWEEN -1 AND 1`,
  ),
  r(
    'XAPI-00081',
    '2.4.5.1.s2.table1.row3',
    ['score'],
    'min',
    'score.min is less than score.max',
    `${num('min')} >= ${num('max')}`,
  ),
  r(
    'XAPI-00082',
    '2.4.5.1.s2.table1.row2',
    ['score'],
    'raw',
    'score.raw is between score.min and score.max',
    `${num('raw')} < ${num('min')} OR ${num('raw')} > ${num('max')}`,
  ),

  // Language maps (4.2) and extensions (4.1): their keys are data.
  r(
    'XAPI-00013',
    '2.2.s4.b2',
    ['languageMap'],
    '',
    'a language map key is an RFC 5646 language tag',
    `NOT arrayAll(k -> match(k, '${sqlStringBody(PATTERNS.langTag)}'), mapKeys(m))`,
  ),
  r(
    'XAPI-00121',
    '4.2.s1',
    ['languageMap'],
    '',
    'a language map value is a string',
    `NOT arrayAll(x -> startsWith(x, '"'), mapValues(m))`,
  ),
  r(
    'XAPI-00118',
    '4.1.s3.b1',
    ['extensions'],
    '',
    'an extension key is an IRI',
    `NOT arrayAll(k -> match(k, '${sqlStringBody(PATTERNS.iri)}'), mapKeys(m))`,
  ),
];

/**
 * The rules every object obeys (the strict view checks them on every object it walks): no null values, keys as
 * the specification spells them and each used once, values of the JSON type and format their row says, required
 * keys present, no empty objects.
 */
export const OBJECT_RULES = {
  noNull: {
    id: 'XAPI-00001',
    section: '2.2.s4.b1.b1',
    rule: 'no value is null, except an extension value',
    says: 'is null (only an extension value may be null)',
  },
  keyCase: {
    id: 'XAPI-00008',
    section: '2.2.s4.b1.b5',
    rule: 'keys are spelled in the case the specification spells them',
    says: 'is not spelled as the specification spells it',
  },
  knownKey: {
    id: 'DATA-2.2.s4.b1.b7',
    section: '2.2.s4.b1.b7',
    rule: 'an object has only the properties its table names',
    says: 'is not a property of',
  },
  caseExact: {
    id: 'XAPI-00009',
    section: '2.2.s4.b1.b6',
    rule: 'a value from a vocabulary (objectType, interactionType) is spelled exactly',
    says: 'values are case-exact',
  },
  once: {
    id: 'DATA-2.2.s2.b2',
    section: '2.2.s2.b2',
    rule: 'a property is used once',
    says: 'is used more than once',
  },
  notEmpty: {
    id: 'DATA-2.2.s2.b1',
    section: '2.2.s2.b1',
    rule: 'no empty object, except an Activity definition and extensions (2.2.s2.b1 is a SHOULD NOT; the ADL suite requires those two to be accepted)',
    says: 'is an empty object (allowed only as an Activity definition or extensions)',
  },
} as const;

/**
 * Lenient mode (both views, always): only what cannot be an analytics row. Tried in this order; `when` reads the
 * columns of the view's lower layers, `detail` says what was wrong. In strict mode a statement caught here is
 * rejected under the specification's rule for the same fault (`strict`); a line that is no statement at all
 * keeps its code.
 */
export const LENIENT_RULES: { code: string; when: string; detail: string; strict?: string }[] = [
  { code: 'empty_line', when: "clean_line = ''", detail: "'the line is empty'" },
  {
    code: 'not_an_object',
    when: "NOT startsWith(trimLeft(clean_line), '{') AND isValidJSON(clean_line)",
    detail: "'the line is JSON but not an object'",
  },
  {
    code: 'invalid_json',
    when: 's_null AND NOT isValidJSON(clean_line)',
    detail: "'the line is not valid JSON'",
  },
  {
    code: 'not_a_statement',
    when: 's_null OR (actor IS NULL AND verb IS NULL AND o_null)',
    detail: "'the line is a JSON object but not an xAPI statement: no actor, verb or object'",
  },
  {
    code: 'missing_actor',
    when: 'actor IS NULL',
    detail: "'the statement has no actor'",
    strict: 'XAPI-00003',
  },
  {
    code: 'missing_actor_identifier',
    strict: 'XAPI-00034',
    when: "actor_key_v = ''",
    detail: "'the actor has no mbox, mbox_sha1sum, openid or account (nor identified members)'",
  },
  {
    code: 'missing_verb_id',
    strict: 'XAPI-00044',
    when: "ifNull((verb).id, '') = ''",
    detail: "'the statement has no verb id'",
  },
  { code: 'missing_object', when: 'o_null', detail: "'the statement has no object'", strict: 'XAPI-00005' },
  {
    code: 'invalid_statement_id',
    strict: 'XAPI-00027',
    when: 'id_text IS NOT NULL AND id_uuid IS NULL',
    detail: "concat('the id is not a UUID: ', left(ifNull(id_text, ''), 100))",
  },
  {
    code: 'invalid_timestamp',
    strict: 'XAPI-00123',
    when: 'ts_text IS NOT NULL AND ts_parsed IS NULL',
    detail: "concat('the timestamp cannot be parsed: ', left(ifNull(ts_text, ''), 100))",
  },
];
