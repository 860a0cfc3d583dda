import {
  agentProps,
  KINDS_1_0,
  type Kind,
  type KindName,
  type Property,
  type PropType,
  UNIONS_1_0,
  type UnionName,
} from './model.js';

/**
 * xAPI 2.0 (IEEE 9274.1.1-2023) as property tables: what changed from xAPI 1.0.3 (model.ts), and nothing else.
 * A 2.0 statement (its `version` is 2.0.x, or it has none and XAPI_DEFAULT_VERSION is 2.0.0) is walked from the kind
 * `statement@2`: the kinds whose table changed have a 2.0 variant (`@2`), the objects 2.0 adds are kinds of their
 * own, and every other kind (Agent, Verb, Activity, Result, …) is shared, with its 1.0.3 rules and ids: 2.0 keeps
 * those tables as they were. docs/xapi.md says what 2.0 changed and which changes are checked.
 *
 * Rule ids of 2.0's own rows are `DATA2-` and the table and property (9274.1.1 numbers its clauses differently
 * from 1.0.3; the names say where the row is).
 */
const SECTION = '9274.1.1';
const s = (extra: Omit<Extract<PropType, { t: 'string' }>, 't'> = {}): PropType => ({
  t: 'string',
  ...extra,
});

/** Context Agents and Context Groups tables (9274.1.1, Context): a relationship of an Agent or a Group to the statement. */
const relevantTypes = (owner: string): Property => ({
  name: 'relevantTypes',
  type: { t: 'strings' },
  row: `${SECTION} ${owner} table, relevantTypes`,
  rule: `DATA2-${owner}.relevantTypes`,
  says: 'relevantTypes is an array of one or more IRIs',
  lenient: true,
});

/** A Context Agent or a Context Group (9274.1.1, Context): who, and how it relates to the statement. */
function contextKind(
  name: 'contextAgent' | 'contextGroup',
  title: 'Context Agent' | 'Context Group',
  member: { name: string; kind: KindName; says: string },
): Kind {
  const table = `${SECTION} ${title}s table`;
  return {
    name,
    label: `a ${title}`,
    section: table,
    versions: '2.0',
    props: [
      {
        name: 'objectType',
        type: s({ oneOf: [name] }),
        required: true,
        row: `${table}, objectType`,
        rule: `DATA2-${name}.objectType`,
        says: `objectType is ${name}`,
      },
      {
        name: member.name,
        type: { t: 'object', kind: member.kind },
        required: true,
        row: `${table}, ${member.name}`,
        rule: `DATA2-${name}.${member.name}`,
        says: member.says,
        lenient: true,
      },
      relevantTypes(name),
    ],
  };
}

/** Context's new lists of them (9274.1.1, Context table). */
const contextList = (name: string, kind: KindName, title: string): Property => ({
  name,
  type: { t: 'list', kind },
  row: `${SECTION} Context table, ${name}`,
  rule: `DATA2-context.${name}`,
  says: `context.${name} is an array of ${title} objects`,
  lenient: true,
});

const NEW_KINDS: Kind[] = [
  contextKind('contextAgent', 'Context Agent', {
    name: 'agent',
    kind: 'contextAgentAgent',
    says: 'agent is an Agent object',
  }),
  contextKind('contextGroup', 'Context Group', {
    name: 'group',
    kind: 'agent',
    says: 'group is a Group object (identified or anonymous)',
  }),
  {
    // The Agent of a Context Agent: an Agent, never a Group (the Group table rules apply to contextGroups).
    name: 'contextAgentAgent',
    label: 'an Agent',
    section: `${SECTION} Context Agents table, agent`,
    versions: '2.0',
    props: agentProps(true).map((p) =>
      p.name === 'objectType'
        ? {
            ...p,
            row: `${SECTION} Context Agents table, agent`,
            rule: 'DATA2-contextAgent.agent',
            says: 'a context agent is an Agent (objectType Agent)',
          }
        : p,
    ),
  },
];

/** The 2.0 row that replaces a 1.0.3 row (by kind and property), or new rows of a changed table. */
const TIMESTAMP_2 = (name: string): Partial<Property> => ({
  type: s({ format: 'timestamp2' }),
  row: `${SECTION} Timestamps (RFC 3339)`,
  rule: 'DATA2-timestamp',
  says: `${name} is an RFC 3339 date-time, with its offset`,
});

function variant(base: KindName, changes: Record<string, Partial<Property>>, added: Property[] = []): Kind {
  const k = KINDS_1_0.find((x) => x.name === base) as Kind;
  return {
    ...k,
    name: `${base}@2` as KindName,
    versions: '2.0',
    props: [...k.props.map((p) => (changes[p.name] ? { ...p, ...changes[p.name] } : p)), ...added],
  };
}

const VARIANTS: Kind[] = [
  variant('statement', {
    object: { type: { t: 'union', union: 'object@2' } },
    context: { type: { t: 'object', kind: 'context@2' } },
    timestamp: TIMESTAMP_2('timestamp'),
    stored: TIMESTAMP_2('stored'),
    version: {
      type: s({ format: 'version2' }),
      row: `${SECTION} Statement table, version`,
      rule: 'DATA2-version',
      says: 'version, if set, is 2.0.0',
    },
  }),
  variant('substatement', {
    context: { type: { t: 'object', kind: 'context@2' } },
    timestamp: TIMESTAMP_2('timestamp'),
  }),
  variant('context', {}, [
    contextList('contextAgents', 'contextAgent', 'Context Agent'),
    contextList('contextGroups', 'contextGroup', 'Context Group'),
  ]),
];

/** Every kind of both versions, in the order their rules are reported (1.0.3's first, as before). */
export const KINDS: Kind[] = [...KINDS_1_0, ...VARIANTS, ...NEW_KINDS];

export const UNIONS: Record<UnionName, { byObjectType: Record<string, KindName>; absent: KindName }> = {
  ...UNIONS_1_0,
  'object@2': {
    byObjectType: { ...UNIONS_1_0.object.byObjectType, SubStatement: 'substatement@2' },
    absent: UNIONS_1_0.object.absent,
  },
};

export function kind(name: KindName): Kind {
  const k = KINDS.find((x) => x.name === name);
  if (!k) throw new Error(`unknown kind ${name}`);
  return k;
}

/** A kind and its 2.0 variant, if it has one (rules of rules.ts hold for both). */
export function withVariants(kinds: KindName[]): KindName[] {
  return kinds.flatMap((k) => (KINDS.some((x) => x.name === `${k}@2`) ? [k, `${k}@2` as KindName] : [k]));
}

/** The kind a statement is walked from, by its xAPI version. */
export const ROOT_KINDS = { '1.0': 'statement', '2.0': 'statement@2' } as const;
