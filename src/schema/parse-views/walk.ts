import { sqlString } from '../sql-literal.js';
import { lookup } from './layers.js';
import type { PropType } from './model.js';
import { KINDS, ROOT_KINDS, UNIONS } from './model-2.js';

/**
 * The strict view walks every object of the statement: from the statement down, one layer per level, each object
 * is read with JSONExtractKeysAndValuesRaw, which gives its keys (all of them, duplicates included) and each value
 * as raw JSON, so the rules see what a typed tuple cannot: a key the specification does not name, a null, the
 * JSON type of every value. The kind of an object (model.ts) comes from its parent's kind and key; the object of a
 * statement is an Activity, Agent, Group, SubStatement or StatementRef as its objectType says.
 *
 * An object is a record (path, kind, is it an object, its keys and raw values). The walk goes level by level,
 * as deep as a statement's objects go (DEPTH: a SubStatement's context → contextActivities → Activity →
 * definition → interaction component → description) and never into extension values, which are free. Each level
 * is checked (checks.ts) before the next is read, and only the first problem found is kept: a block holds
 * millions of objects, and keeping them all costs gigabytes.
 */
export const DEPTH = 7;

/** The kind of the objects under a property: '' for values that are not objects; @object: by objectType. */
function childKind(t: PropType): string {
  if (t.t === 'object' || t.t === 'list') return t.kind;
  if (t.t === 'activities') return 'activity';
  if (t.t === 'union') return `@${t.union}`;
  return '';
}

/** 'kind.key' → kind of the object(s) it holds (model.ts). */
function childKinds(key: string, indent: string): string {
  const entries: [string, string][] = [];
  for (const k of KINDS) {
    for (const p of k.props) {
      const child = childKind(p.type);
      if (child) entries.push([`${k.name}.${p.name}`, sqlString(child)]);
    }
  }
  return lookup(entries, key, indent);
}

/** '@union.objectType' → kind; '@union.' when objectType is absent. */
function unionKinds(key: string, indent: string): string {
  const entries: [string, string][] = [];
  for (const [union, u] of Object.entries(UNIONS)) {
    for (const [objectType, k] of Object.entries(u.byObjectType))
      entries.push([`@${union}.${objectType}`, sqlString(k)]);
    entries.push([`@${union}.`, sqlString(u.absent)]);
  }
  return lookup(entries, key, indent);
}

/*
 * Tables are literals inside the lambdas that read them, and lambdas capture only small values: a column
 * captured by a lambda is copied for every element the lambda runs on.
 */
/**
 * The objects one level below `frontier` (an array of objects as (path, kind, is it an object, keys and raw
 * values)): for every key whose row holds objects, one child per object or per element of an array; the kind of
 * each from its parent's kind and key (the object of a statement: from its objectType); each child parsed once.
 * The child kinds are looked up first, beside the keys, so that only the children's raw values are copied.
 */
export function children(frontier: string): string {
  const sep = "if(p = '', '', '.')";
  return `arrayMap(x -> ((x).1, (x).2, startsWith((x).3, '{'), JSONExtractKeysAndValuesRaw((x).3)),
        arrayFilter(x -> (x).2 != '', arrayMap(x -> ((x).1,
                if(startsWith((x).2, '@'), ${unionKinds("concat((x).2, '.', JSONExtractString((x).3, 'objectType'))", '                ')}, (x).2),
                (x).3),
            arrayFlatten(arrayMap((p, kd, kv, cks) -> arrayFlatten(arrayMap((e, ck) -> multiIf(
                    ck = '', [],
                    startsWith((e).2, '{'), [(concat(p, ${sep}, (e).1), ck, (e).2)],
                    startsWith((e).2, '['), arrayMap((el, i) -> (concat(p, ${sep}, (e).1, '[', toString(i - 1), ']'), ck, el),
                        JSONExtractArrayRaw((e).2), arrayEnumerate(JSONExtractArrayRaw((e).2))),
                    []),
                kv, cks)),
            (${frontier}).1, (${frontier}).2, (${frontier}).4,
            arrayMap((kd, kv) -> arrayMap(e -> ${childKinds("concat(kd, '.', (e).1)", '                ')}, kv), (${frontier}).2, (${frontier}).4))))))`;
}

/**
 * The kind a statement is walked from: 2.0's tables for a statement whose version is 2.x (2.0 then requires 2.0.0),
 * 1.0.3's for any other; a statement without a version takes the load's default (XAPI_DEFAULT_VERSION, carried by
 * the entry table's `default_version`; '' — a load by an earlier version — is 1.0.3).
 */
export const ROOT_KIND_SQL = `if(startsWith(if(dynamicType(version_dyn) = 'String', version_dyn::String, default_version), '2.'),
        '${ROOT_KINDS['2.0']}', '${ROOT_KINDS['1.0']}')`;

/** The statement itself, as the first level of the walk. */
export const ROOT_LEVEL =
  "[('', root_kind, toUInt8(startsWith(trimLeft(clean_line), '{')), JSONExtractKeysAndValuesRaw(clean_line))]";
