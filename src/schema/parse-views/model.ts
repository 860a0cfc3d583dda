/**
 * The xAPI 1.0.3 statement, as the property tables of the specification's Data part (section 2.4, and 4.x for
 * language maps and extensions) describe it: for every kind of object, its properties with their type and
 * whether they are required. Each row is also a strict rule: the value must have that type (and be present
 * when required). `rule` is the ADL conformance suite's requirement id for the row where it has one; otherwise
 * the rule id is `DATA-` + the row's anchor in the specification (docs/xapi.md, "Rule ids").
 *
 * Everything the parse views read comes from here: the JSONExtract types of both views (a property marked
 * `lenient` is read by an analytics column, so the lenient view reads it too), the keys allowed in each
 * object, and where each kind of object occurs in a statement.
 */

/** A string with a format, checked on its text. */
export type Format =
  | 'uuid'
  | 'iri'
  | 'irl'
  | 'mailto'
  | 'sha1'
  | 'timestamp'
  | 'duration'
  | 'mediaType'
  | 'langTag'
  | 'version'
  /** xAPI 2.0: an RFC 3339 date-time (an offset is required). */
  | 'timestamp2'
  /** xAPI 2.0: "2.0.0". */
  | 'version2';

export type KindName =
  | 'statement'
  | 'substatement'
  | 'agent'
  | 'member'
  | 'account'
  | 'verb'
  | 'activity'
  | 'definition'
  | 'component'
  | 'statementRef'
  | 'result'
  | 'score'
  | 'context'
  | 'contextActivities'
  | 'attachment'
  | 'languageMap'
  | 'extensions'
  // xAPI 2.0 (IEEE 9274.1.1): its new objects, and the kinds whose table changed (model-2.ts).
  | 'contextAgent'
  | 'contextGroup'
  | 'contextAgentAgent'
  | 'statement@2'
  | 'substatement@2'
  | 'context@2';

/** The objectType decides what the object of a statement is (2.4.4.s2); absent means Activity. */
export type UnionName = 'object' | 'subObject' | 'object@2';

export type PropType =
  /** A JSON string; `format` or `oneOf` restrict its text. */
  | { t: 'string'; format?: Format; oneOf?: readonly string[] }
  | { t: 'boolean' }
  | { t: 'number' }
  | { t: 'integer' }
  | { t: 'object'; kind: KindName }
  /** The object of a statement or SubStatement: which kind depends on its objectType. */
  | { t: 'union'; union: UnionName }
  /** An array of objects of one kind. */
  | { t: 'list'; kind: KindName }
  /** An array of strings. */
  | { t: 'strings' }
  /** A contextActivities value: one Activity or an array of Activities (2.4.6.2.s4.b2). */
  | { t: 'activities' }
  /** Named by the specification only to forbid it here (a SubStatement's id, stored, version, authority). */
  | { t: 'forbidden' };

export interface Property {
  name: string;
  type: PropType;
  required?: boolean;
  /** The row's anchor in xAPI 1.0.3 (Data part): where the rule comes from. */
  row: string;
  /** The ADL conformance suite's requirement id for this row, when it numbers one. */
  rule?: string;
  /** What the row requires, as a rejection says it. */
  says: string;
  /** Read by an analytics column, so the lenient view reads it too (docs/xapi.md, columns). */
  lenient?: boolean;
}

export interface Kind {
  name: KindName;
  /** The xAPI versions whose statements hold it: 1.0.x only, 2.0 only, or both (the default). */
  versions?: '1.0' | '2.0';
  /** How a rejection names it: "is not a property of an Account". */
  label: string;
  section: string;
  /** Objects whose keys are data (language tags, extension IRIs) rather than property names. */
  freeKeys?: boolean;
  /** 2.2.s2.b1 (empty objects SHOULD NOT be sent) is not applied: the ADL suite requires an LRS to accept them. */
  emptyAllowed?: boolean;
  /** The rule a key this kind does not name breaks, where the specification has one of its own. */
  unknownKey?: string;
  props: Property[];
}

const s = (extra: Omit<Extract<PropType, { t: 'string' }>, 't'> = {}): PropType => ({
  t: 'string',
  ...extra,
});
const obj = (kind: KindName): PropType => ({ t: 'object', kind });
const list = (kind: KindName): PropType => ({ t: 'list', kind });

/** A row of the Inverse Functional Identifier table (2.4.2.3.s3.table1). */
const ifi = (row: number, name: string, type: PropType, rule: string, says: string): Property => ({
  name,
  type,
  row: `2.4.2.3.s3.table1.row${row}`,
  rule,
  says,
  lenient: true,
});
export const agentProps = (member: boolean): Property[] => [
  {
    name: 'objectType',
    type: s({ oneOf: member ? ['Agent'] : ['Agent', 'Group'] }),
    row: '2.4.2.1.s2.table1.row1',
    rule: member ? 'XAPI-00036' : 'XAPI-00031',
    says: member ? 'a member is an Agent (objectType Agent)' : 'objectType is Agent or Group',
    lenient: true,
  },
  {
    name: 'name',
    type: s(),
    row: '2.4.2.1.s2.table1.row2',
    rule: 'XAPI-00033',
    says: 'name is a string',
    lenient: true,
  },
  ifi(1, 'mbox', s({ format: 'mailto' }), 'XAPI-00038', 'mbox is a mailto IRI (mailto:email address)'),
  ifi(2, 'mbox_sha1sum', s({ format: 'sha1' }), 'XAPI-00039', 'mbox_sha1sum is a hex-encoded SHA1 hash'),
  ifi(3, 'openid', s({ format: 'iri' }), 'XAPI-00040', 'openid is a URI'),
  ifi(4, 'account', obj('account'), 'XAPI-00041', 'account is an Account object'),
];

/** 2.4.4.3.s8.b3: a SubStatement has no id, stored, version or authority. */
const notInSubStatement = (name: string, rule: string): Property => ({
  name,
  type: { t: 'forbidden' },
  row: '2.4.4.3.s8.b3',
  rule,
  says: `a SubStatement has no ${name}`,
});

/** The kinds of object of xAPI 1.0.3, in the order their rules are reported (2.0's: model-2.ts). */
export const KINDS_1_0: Kind[] = [
  {
    name: 'statement',
    label: 'a Statement',
    section: '2.4',
    props: [
      {
        name: 'id',
        type: s({ format: 'uuid' }),
        row: '2.4.s1.table1.row1',
        rule: 'XAPI-00027',
        says: 'id is a UUID in standard form',
        lenient: true,
      },
      {
        name: 'actor',
        type: obj('agent'),
        required: true,
        row: '2.4.s1.table1.row2',
        rule: 'XAPI-00003',
        says: 'actor is an Agent or Group object',
        lenient: true,
      },
      {
        name: 'verb',
        type: obj('verb'),
        required: true,
        row: '2.4.s1.table1.row3',
        rule: 'XAPI-00004',
        says: 'verb is a Verb object',
        lenient: true,
      },
      {
        name: 'object',
        type: { t: 'union', union: 'object' },
        required: true,
        row: '2.4.s1.table1.row4',
        rule: 'XAPI-00005',
        says: 'object is an Activity, Agent, Group, SubStatement or StatementRef object',
        lenient: true,
      },
      {
        name: 'result',
        type: obj('result'),
        row: '2.4.s1.table1.row5',
        says: 'result is a Result object',
        lenient: true,
      },
      {
        name: 'context',
        type: obj('context'),
        row: '2.4.s1.table1.row6',
        says: 'context is a Context object',
        lenient: true,
      },
      {
        name: 'timestamp',
        type: s({ format: 'timestamp' }),
        row: '2.4.s1.table1.row7',
        rule: 'XAPI-00022',
        says: 'timestamp is an ISO 8601 timestamp',
        lenient: true,
      },
      {
        name: 'stored',
        type: s({ format: 'timestamp' }),
        row: '2.4.s1.table1.row8',
        rule: 'XAPI-00023',
        says: 'stored is an ISO 8601 timestamp',
        lenient: true,
      },
      {
        name: 'authority',
        type: obj('agent'),
        row: '2.4.s1.table1.row9',
        rule: 'XAPI-00024',
        says: 'authority is an Agent or Group object',
        lenient: true,
      },
      {
        name: 'version',
        type: s({ format: 'version' }),
        row: '2.4.s1.table1.row10',
        rule: 'XAPI-00101',
        says: 'version is 1.0 or 1.0.x',
        lenient: true,
      },
      {
        name: 'attachments',
        type: list('attachment'),
        row: '2.4.s1.table1.row11',
        rule: 'XAPI-00025',
        says: 'attachments is an array of Attachment objects',
        lenient: true,
      },
    ],
  },
  {
    name: 'substatement',
    label: 'a SubStatement',
    section: '2.4.4.3.s8',
    props: [
      {
        name: 'objectType',
        type: s({ oneOf: ['SubStatement'] }),
        required: true,
        row: '2.4.4.3.s8.b1',
        says: 'objectType is SubStatement',
        lenient: true,
      },
      {
        name: 'actor',
        type: obj('agent'),
        required: true,
        row: '2.4.4.3.s8.b2',
        rule: 'XAPI-00066',
        says: 'a SubStatement has an actor (it is validated as a Statement)',
      },
      {
        name: 'verb',
        type: obj('verb'),
        required: true,
        row: '2.4.4.3.s8.b2',
        rule: 'XAPI-00066',
        says: 'a SubStatement has a verb (it is validated as a Statement)',
      },
      {
        name: 'object',
        type: { t: 'union', union: 'subObject' },
        required: true,
        row: '2.4.4.3.s8.b2',
        rule: 'XAPI-00066',
        says: 'a SubStatement has an object (it is validated as a Statement)',
        lenient: true,
      },
      { name: 'result', type: obj('result'), row: '2.4.s1.table1.row5', says: 'result is a Result object' },
      {
        name: 'context',
        type: obj('context'),
        row: '2.4.s1.table1.row6',
        says: 'context is a Context object',
      },
      {
        name: 'timestamp',
        type: s({ format: 'timestamp' }),
        row: '2.4.s1.table1.row7',
        rule: 'XAPI-00022',
        says: 'timestamp is an ISO 8601 timestamp',
      },
      {
        name: 'attachments',
        type: list('attachment'),
        row: '2.4.s1.table1.row11',
        rule: 'XAPI-00025',
        says: 'attachments is an array of Attachment objects',
      },
      notInSubStatement('id', 'XAPI-00070'),
      notInSubStatement('stored', 'XAPI-00069'),
      notInSubStatement('version', 'XAPI-00068'),
      notInSubStatement('authority', 'XAPI-00067'),
    ],
  },
  {
    name: 'agent',
    label: 'an Agent or Group',
    section: '2.4.2',
    props: [
      ...agentProps(false),
      {
        name: 'member',
        type: list('member'),
        row: '2.4.2.2.s2.table1.row3',
        rule: 'XAPI-00036',
        says: 'member is an array of Agent objects',
        lenient: true,
      },
    ],
  },
  { name: 'member', label: 'a Group member (an Agent)', section: '2.4.2.2', props: agentProps(true) },
  {
    name: 'account',
    label: 'an Account',
    section: '2.4.2.4',
    props: [
      {
        name: 'homePage',
        type: s({ format: 'irl' }),
        required: true,
        row: '2.4.2.4.s2.table1.row1',
        rule: 'XAPI-00042',
        says: 'account.homePage is an IRL',
        lenient: true,
      },
      {
        name: 'name',
        type: s(),
        required: true,
        row: '2.4.2.4.s2.table1.row2',
        rule: 'XAPI-00043',
        says: 'account.name is a string',
        lenient: true,
      },
    ],
  },
  {
    name: 'verb',
    label: 'a Verb',
    section: '2.4.3',
    props: [
      {
        name: 'id',
        type: s({ format: 'iri' }),
        required: true,
        row: '2.4.3.s3.table1.row1',
        rule: 'XAPI-00044',
        says: 'verb.id is an IRI',
        lenient: true,
      },
      {
        name: 'display',
        type: obj('languageMap'),
        row: '2.4.3.s3.table1.row2',
        rule: 'XAPI-00045',
        says: 'verb.display is a language map',
        lenient: true,
      },
    ],
  },
  {
    name: 'activity',
    label: 'an Activity',
    section: '2.4.4.1',
    props: [
      {
        name: 'objectType',
        type: s({ oneOf: ['Activity'] }),
        row: '2.4.4.1.s1.table1.row1',
        rule: 'XAPI-00046',
        says: 'objectType is Activity',
        lenient: true,
      },
      {
        name: 'id',
        type: s({ format: 'iri' }),
        required: true,
        row: '2.4.4.1.s1.table1.row2',
        rule: 'XAPI-00047',
        says: 'an Activity id is an IRI',
        lenient: true,
      },
      {
        name: 'definition',
        type: obj('definition'),
        row: '2.4.4.1.s1.table1.row3',
        rule: 'XAPI-00048',
        says: 'definition is an object',
        lenient: true,
      },
    ],
  },
  {
    name: 'definition',
    label: 'an Activity definition',
    section: '2.4.4.1.s2',
    emptyAllowed: true,
    props: [
      {
        name: 'name',
        type: obj('languageMap'),
        row: '2.4.4.1.s2.table1.row1',
        rule: 'XAPI-00056',
        says: 'definition.name is a language map',
        lenient: true,
      },
      {
        name: 'description',
        type: obj('languageMap'),
        row: '2.4.4.1.s2.table1.row2',
        rule: 'XAPI-00059',
        says: 'definition.description is a language map',
      },
      {
        name: 'type',
        type: s({ format: 'iri' }),
        row: '2.4.4.1.s2.table1.row3',
        rule: 'XAPI-00060',
        says: 'definition.type is an IRI',
        lenient: true,
      },
      {
        name: 'moreInfo',
        type: s({ format: 'irl' }),
        row: '2.4.4.1.s2.table1.row4',
        rule: 'XAPI-00061',
        says: 'definition.moreInfo is an IRL',
      },
      {
        name: 'extensions',
        type: obj('extensions'),
        row: '2.4.4.1.s2.table1.row5',
        rule: 'XAPI-00057',
        says: 'definition.extensions is an object',
      },
      {
        name: 'interactionType',
        type: s({
          oneOf: [
            'true-false',
            'choice',
            'fill-in',
            'long-fill-in',
            'matching',
            'performance',
            'sequencing',
            'likert',
            'numeric',
            'other',
          ],
        }),
        row: '2.4.4.1.s8.table1.row1',
        rule: 'XAPI-00049',
        says: 'interactionType is one of the ten interaction types',
      },
      {
        name: 'correctResponsesPattern',
        type: { t: 'strings' },
        row: '2.4.4.1.s8.table1.row2',
        says: 'correctResponsesPattern is an array of strings',
      },
      ...['choices', 'scale', 'source', 'target', 'steps'].map(
        (name): Property => ({
          name,
          type: list('component'),
          row: '2.4.4.1.s8.table1.row3',
          says: `${name} is an array of interaction components`,
        }),
      ),
    ],
  },
  {
    name: 'component',
    label: 'an interaction component',
    section: '2.4.4.1.s15',
    props: [
      {
        name: 'id',
        type: s(),
        required: true,
        row: '2.4.4.1.s15.table1.row1',
        says: 'an interaction component has a string id',
      },
      {
        name: 'description',
        type: obj('languageMap'),
        row: '2.4.4.1.s15.table1.row2',
        says: 'an interaction component description is a language map',
      },
    ],
  },
  {
    name: 'statementRef',
    label: 'a StatementRef',
    section: '2.4.4.3.s4',
    props: [
      {
        name: 'objectType',
        type: s({ oneOf: ['StatementRef'] }),
        required: true,
        row: '2.4.4.3.s4.table1.row1',
        rule: 'XAPI-00073',
        says: 'a Statement Reference has objectType StatementRef',
        lenient: true,
      },
      {
        name: 'id',
        type: s({ format: 'uuid' }),
        required: true,
        row: '2.4.4.3.s4.table1.row2',
        rule: 'XAPI-00072',
        says: 'a StatementRef id is a UUID',
        lenient: true,
      },
    ],
  },
  {
    name: 'result',
    label: 'a Result',
    section: '2.4.5',
    props: [
      {
        name: 'score',
        type: obj('score'),
        row: '2.4.5.s2.table1.row1',
        rule: 'XAPI-00079',
        says: 'score is a Score object',
        lenient: true,
      },
      {
        name: 'success',
        type: { t: 'boolean' },
        row: '2.4.5.s2.table1.row2',
        rule: 'XAPI-00074',
        says: 'result.success is a boolean',
        lenient: true,
      },
      {
        name: 'completion',
        type: { t: 'boolean' },
        row: '2.4.5.s2.table1.row3',
        rule: 'XAPI-00075',
        says: 'result.completion is a boolean',
        lenient: true,
      },
      {
        name: 'response',
        type: s(),
        row: '2.4.5.s2.table1.row4',
        rule: 'XAPI-00076',
        says: 'result.response is a string',
        lenient: true,
      },
      {
        name: 'duration',
        type: s({ format: 'duration' }),
        row: '2.4.5.s2.table1.row5',
        rule: 'XAPI-00077',
        says: 'result.duration is an ISO 8601 duration',
        lenient: true,
      },
      {
        name: 'extensions',
        type: obj('extensions'),
        row: '2.4.5.s2.table1.row6',
        rule: 'XAPI-00078',
        says: 'result.extensions is an object',
        lenient: true,
      },
    ],
  },
  {
    name: 'score',
    label: 'a Score',
    section: '2.4.5.1',
    props: [
      {
        name: 'scaled',
        type: { t: 'number' },
        row: '2.4.5.1.s2.table1.row1',
        rule: 'XAPI-00083',
        says: 'score.scaled is a number',
        lenient: true,
      },
      {
        name: 'raw',
        type: { t: 'number' },
        row: '2.4.5.1.s2.table1.row2',
        rule: 'XAPI-00082',
        says: 'score.raw is a number',
        lenient: true,
      },
      {
        name: 'min',
        type: { t: 'number' },
        row: '2.4.5.1.s2.table1.row3',
        rule: 'XAPI-00081',
        says: 'score.min is a number',
        lenient: true,
      },
      {
        name: 'max',
        type: { t: 'number' },
        row: '2.4.5.1.s2.table1.row4',
        rule: 'XAPI-00080',
        says: 'score.max is a number',
        lenient: true,
      },
    ],
  },
  {
    name: 'context',
    label: 'a Context',
    section: '2.4.6',
    props: [
      {
        name: 'registration',
        type: s({ format: 'uuid' }),
        row: '2.4.6.s3.table1.row1',
        rule: 'XAPI-00087',
        says: 'context.registration is a UUID',
        lenient: true,
      },
      {
        name: 'instructor',
        type: obj('agent'),
        row: '2.4.6.s3.table1.row2',
        says: 'context.instructor is an Agent or Group object',
        lenient: true,
      },
      {
        name: 'team',
        type: obj('agent'),
        row: '2.4.6.s3.table1.row3',
        rule: 'XAPI-00088',
        says: 'context.team is a Group object',
        lenient: true,
      },
      {
        name: 'contextActivities',
        type: obj('contextActivities'),
        row: '2.4.6.s3.table1.row4',
        rule: 'XAPI-00086',
        says: 'contextActivities is an object',
        lenient: true,
      },
      {
        name: 'revision',
        type: s(),
        row: '2.4.6.s3.table1.row5',
        rule: 'XAPI-00089',
        says: 'context.revision is a string',
        lenient: true,
      },
      {
        name: 'platform',
        type: s(),
        row: '2.4.6.s3.table1.row6',
        rule: 'XAPI-00090',
        says: 'context.platform is a string',
        lenient: true,
      },
      {
        name: 'language',
        type: s({ format: 'langTag' }),
        row: '2.4.6.s3.table1.row7',
        rule: 'XAPI-00091',
        says: 'context.language is an RFC 5646 language tag',
        lenient: true,
      },
      {
        name: 'statement',
        type: obj('statementRef'),
        row: '2.4.6.s3.table1.row8',
        rule: 'XAPI-00092',
        says: 'context.statement is a Statement Reference',
        lenient: true,
      },
      {
        name: 'extensions',
        type: obj('extensions'),
        row: '2.4.6.s3.table1.row9',
        says: 'context.extensions is an object',
        lenient: true,
      },
    ],
  },
  {
    name: 'contextActivities',
    label: 'contextActivities (parent, grouping, category, other)',
    section: '2.4.6.2',
    unknownKey: 'XAPI-00093',
    props: ['parent', 'grouping', 'category', 'other'].map(
      (name): Property => ({
        name,
        type: { t: 'activities' },
        row: '2.4.6.2.s4.b2',
        rule: 'XAPI-00094',
        says: `contextActivities.${name} is an Activity or an array of Activities`,
        lenient: true,
      }),
    ),
  },
  {
    name: 'attachment',
    label: 'an Attachment',
    section: '2.4.11',
    props: [
      {
        name: 'usageType',
        type: s({ format: 'iri' }),
        required: true,
        row: '2.4.11.s2.table1.row1',
        rule: 'XAPI-00107',
        says: 'usageType is an IRI',
        lenient: true,
      },
      {
        name: 'display',
        type: obj('languageMap'),
        required: true,
        row: '2.4.11.s2.table1.row2',
        rule: 'XAPI-00106',
        says: 'display is a language map',
      },
      {
        name: 'description',
        type: obj('languageMap'),
        row: '2.4.11.s2.table1.row3',
        says: 'description is a language map',
      },
      {
        name: 'contentType',
        type: s({ format: 'mediaType' }),
        required: true,
        row: '2.4.11.s2.table1.row4',
        rule: 'XAPI-00105',
        says: 'contentType is an Internet Media Type',
      },
      {
        name: 'length',
        type: { t: 'integer' },
        required: true,
        row: '2.4.11.s2.table1.row5',
        rule: 'XAPI-00102',
        says: 'length is an integer',
      },
      {
        name: 'sha2',
        type: s(),
        required: true,
        row: '2.4.11.s2.table1.row6',
        rule: 'XAPI-00103',
        says: 'sha2 is a string',
      },
      {
        name: 'fileUrl',
        type: s({ format: 'irl' }),
        row: '2.4.11.s2.table1.row7',
        rule: 'XAPI-00104',
        says: 'fileUrl is an IRL',
      },
    ],
  },
  // Keys are data: language tags (4.2) and extension IRIs (4.1); their rules are in rules.ts.
  { name: 'languageMap', label: 'a language map', section: '4.2', freeKeys: true, props: [] },
  { name: 'extensions', label: 'extensions', section: '4.1', freeKeys: true, emptyAllowed: true, props: [] },
];

/** objectType → kind, for the object of a Statement and of a SubStatement (2.4.4.s2, 2.4.4.3.s8.b4). */
export const UNIONS_1_0: Record<
  Exclude<UnionName, 'object@2'>,
  { byObjectType: Record<string, KindName>; absent: KindName }
> = {
  object: {
    byObjectType: {
      Activity: 'activity',
      Agent: 'agent',
      Group: 'agent',
      SubStatement: 'substatement',
      StatementRef: 'statementRef',
    },
    absent: 'activity',
  },
  subObject: {
    byObjectType: { Activity: 'activity', Agent: 'agent', Group: 'agent', StatementRef: 'statementRef' },
    absent: 'activity',
  },
};

/** The rule id of a property row: the ADL suite's id, else DATA- and the row's anchor. */
export function rowRule(p: Property): string {
  return p.rule ?? `DATA-${p.row}`;
}
