import type { KindName, Property, PropType, UnionName } from './model.js';
import { kind, UNIONS } from './model-2.js';

/**
 * The one typed parse both views share: JSONExtract of the line into a tuple of what the analytics columns and
 * the lenient rules read (the model's properties marked `lenient`). The strict rules do not read it: they walk
 * the statement's raw JSON (walk.ts), which a typed tuple cannot show (unknown keys, nulls, JSON types).
 *
 * Read types keep what the columns need: Dynamic keeps a value's JSON type (String, Bool, Int64, Float64, …);
 * Nullable(String) gives the text of an identifier; a language map is Map(String, Dynamic), extensions
 * Map(String, String) (values as JSON text); a missing object is NULL, a missing list [].
 */

/** Kinds read as a Map rather than a tuple: their keys are data. */
const MAP_KINDS: Partial<Record<KindName, string>> = {
  languageMap: 'Map(String, Dynamic)',
  extensions: 'Map(String, String)',
};

/** Of the object of a statement, the columns read what identifies it. */
const UNION_FIELDS: Record<UnionName, string[]> = {
  // member and actor: the people an object names (a Group's members, a SubStatement's actor), for erasure.
  object: [
    'objectType',
    'id',
    'definition',
    'mbox',
    'mbox_sha1sum',
    'openid',
    'account',
    'member',
    'object',
    'actor',
  ],
  subObject: ['objectType', 'id', 'mbox', 'mbox_sha1sum', 'openid', 'account', 'member'],
  'object@2': [],
};

/** contextActivities are read as arrays of Activity ids, as the columns use them. */
const ACTIVITY_IDS = 'Array(Tuple(id Nullable(String)))';

/** Identifiers and vocabularies are read as text; other strings, numbers and booleans with their JSON type. */
function propType(p: Property): string {
  const t: PropType = p.type;
  switch (t.t) {
    case 'string':
      return (t.format && t.format !== 'langTag' && t.format !== 'version') || t.oneOf
        ? 'Nullable(String)'
        : 'Dynamic';
    case 'boolean':
    case 'number':
    case 'integer':
      return 'Dynamic';
    case 'object':
      return MAP_KINDS[t.kind] ?? `Nullable(${kindType(t.kind)})`;
    case 'union':
      return `Nullable(${unionType(t.union)})`;
    case 'list':
      return `Array(${kindType(t.kind)})`;
    case 'activities':
      return ACTIVITY_IDS;
    case 'strings':
      return 'Array(String)';
    case 'forbidden':
      throw new Error(`${p.name} is not read by a column`);
  }
}

/**
 * The typed read is one for both versions: a Context is read as 2.0's (contextAgents and contextGroups included),
 * so that lenient loads keep what 2.0 statements add whatever their version says.
 */
const READ_AS: Partial<Record<KindName, KindName>> = { context: 'context@2' };
const read = (name: KindName): Property[] => kind(READ_AS[name] ?? name).props.filter((p) => p.lenient);

/** A kind's tuple; the Agent and Group member tuples are written once, as placeholders (render.ts). */
function kindType(name: KindName, placeholders = true): string {
  if (placeholders && (name === 'agent' || name === 'member')) return `{{${name}_tuple}}`;
  if (name === 'contextAgentAgent') return kindType('member', placeholders);
  return `Tuple(${read(name)
    .map((p) => `${p.name} ${propType(p)}`)
    .join(', ')})`;
}

function unionType(union: UnionName): string {
  const fields = new Map<string, Property>();
  for (const k of new Set(Object.values(UNIONS[union].byObjectType))) {
    for (const p of kind(k).props)
      if (UNION_FIELDS[union].includes(p.name) && !fields.has(p.name)) fields.set(p.name, p);
  }
  return `Tuple(${[...fields.values()].map((p) => `${p.name} ${propType(p)}`).join(', ')})`;
}

/** The statement tuple, written out at the top level. */
export function statementType(): string {
  const lines = read('statement').map((p) => `${p.name} ${propType(p)}`);
  return `Nullable(Tuple(\n${lines.map((l) => `            ${l}`).join(',\n')}))`;
}

/** Placeholders expanded by src/schema/render.ts: the Agent/Group and member tuples, fully written out. */
export function typePlaceholders(): Record<string, string> {
  const member = kindType('member', false);
  const agent = kindType('agent', false).replace('{{member_tuple}}', member);
  return {
    agent_tuple: agent,
    member_tuple: member,
    // The names earlier versions of 0002 used.
    agent_type: `Nullable(${agent})`,
    member_type: member,
  };
}
