import { sqlString } from '../sql-literal.js';
import { formatBroken } from './formats.js';
import { type Column, childPath, lookup, shownPath } from './layers.js';
import { type Format, type PropType, rowRule } from './model.js';
import { KINDS } from './model-2.js';
import { OBJECT_RULES, STRICT_RULES } from './rules.js';
import { children, DEPTH, ROOT_KIND_SQL, ROOT_LEVEL } from './walk.js';

/**
 * The strict checks, on every object of the statement, level by level as the walk reads them (walk.ts): the rules
 * every object obeys, driven by the property tables of model.ts (written into the SQL as literal maps, from the
 * model, never from data), then each kind's rules of rules.ts.
 *
 * Each check gives a small code; only for the first broken rule of a statement are the rejection's id and words
 * built (a block of lines holds millions of keys: a message for each costs gigabytes).
 */

/** The JSON type a row expects of its value, and the format or vocabulary of a string. */
function expectation(t: PropType): { expect: string; format: Format | ''; values: readonly string[] } {
  switch (t.t) {
    case 'string':
      return { expect: 'string', format: t.format ?? '', values: t.oneOf ?? [] };
    case 'boolean':
    case 'number':
    case 'integer':
      return { expect: t.t, format: '', values: [] };
    case 'object':
    case 'union':
      return { expect: 'object', format: '', values: [] };
    default:
      // list, strings, activities, forbidden
      return { expect: t.t, format: '', values: [] };
  }
}

/**
 * A constant table lookup, `key` → an array of strings (`[]` when absent), as an index into an array literal found
 * by transform() (a hash lookup): a Map literal is scanned key by key, and these run for every key of every object.
 */
const indexedArrays = (entries: [string, readonly string[]][], key: string, indent: string): string =>
  `[[], ${entries.map(([, v]) => sqlArray(v)).join(', ')}][${lookup(
    entries.map(([k], i) => [k, String(i + 2)]),
    key,
    indent,
  ).replace(/, ''\)$/, ', 1)')}]`;

const sqlMap = (entries: [string, string][], indent: string): string =>
  `map(\n${indent}    ${entries.map(([k, v]) => `${sqlString(k)}, ${v}`).join(`,\n${indent}    `)})`;
const sqlArray = (items: readonly string[]): string => `[${items.map(sqlString).join(', ')}]`;
const rows = () =>
  KINDS.flatMap((k) => k.props.map((p) => ({ key: `${k.name}.${p.name}`, p, e: expectation(p.type) })));
const tabled = () => KINDS.filter((k) => !k.freeKeys);

/** 'kind.key' → the JSON type its row expects ('' for a key the table does not name). */
const expects = (key: string, indent: string) =>
  lookup(
    rows().map((r) => [r.key, sqlString(r.e.expect)]),
    key,
    indent,
  );
/** 'kind.key' → the format of a string. */
const formats = (key: string, indent: string) =>
  lookup(
    rows()
      .filter((r) => r.e.format)
      .map((r) => [r.key, sqlString(r.e.format)]),
    key,
    indent,
  );
/** 'kind.key' → the vocabulary of a string. */
const vocabularies = (key: string, indent: string) =>
  indexedArrays(
    rows()
      .filter((r) => r.e.values.length > 0)
      .map((r) => [r.key, r.e.values]),
    key,
    indent,
  );
/** 'kind.key' → (rule id, what the row says). */
const rowWords = (indent: string) =>
  sqlMap(
    rows().map((r) => [r.key, `(${sqlString(rowRule(r.p))}, ${sqlString(r.p.says)})`]),
    indent,
  );
const kindKeys = (key: string, indent: string) =>
  indexedArrays(
    tabled().map((k) => [k.name, k.props.map((p) => p.name)]),
    key,
    indent,
  );
const kindLabels = (key: string, indent: string) =>
  lookup(
    KINDS.map((k) => [k.name, sqlString(k.label)]),
    key,
    indent,
  );
/** kind → the rule an unknown key breaks, where the kind has its own (else 2.2.s4.b1.b7). */
const unknownKeyRules = (key: string, indent: string) =>
  lookup(
    KINDS.filter((k) => k.unknownKey).map((k) => [k.name, sqlString(k.unknownKey as string)]),
    key,
    indent,
  );
const required = (key: string, indent: string) =>
  indexedArrays(
    tabled()
      .filter((k) => k.props.some((p) => p.required))
      .map((k) => [k.name, k.props.filter((p) => p.required).map((p) => p.name)]),
    key,
    indent,
  );

/** The JSON type of a raw value. */
const jsonType = (raw: string) =>
  `multiIf(${raw} = 'null', 'null', startsWith(${raw}, '"'), 'string', startsWith(${raw}, '{'), 'object', startsWith(${raw}, '['), 'array', ${raw} IN ('true', 'false'), 'boolean', match(${raw}, '^-?[0-9]+$'), 'integer', 'number')`;

const FORMATS: Format[] = [
  'uuid',
  'iri',
  'irl',
  'mailto',
  'sha1',
  'timestamp',
  'duration',
  'mediaType',
  'langTag',
  'version',
  'timestamp2',
  'version2',
];

/** Codes of the rules on a key (the first broken one is reported). */
const KEY = {
  null: 1,
  keyCase: 2,
  unknown: 3,
  forbidden: 4,
  type: 5,
  element: 6,
  format: 7,
  vocabularyCase: 8,
  vocabulary: 9,
  elementString: 10,
} as const;
/** Codes of the rules on an object as a whole. */
const OBJECT = { once: 101, required: 102, empty: 103 } as const;
/** Codes of the rules of rules.ts: 200 + their place in STRICT_RULES. */
const RULE = 200;

/** A problem: (code, path of the object, its kind, the key, the JSON type of its value); code 0: none. */
const NO_PROBLEM = "(toUInt16(0), '', '', '', '')";

/**
 * The first problem of the objects of one level of the walk (an array of (path, kind, is it an object, keys and
 * raw values)): for each object, its keys against its property table, then the object as a whole, then its
 * rules in rules.ts. `t` is the JSON type a key's row expects, `f` the format of a string.
 */
function levelProblem(level: string): string {
  const typeOk = `multiIf(t = 'number', ${jsonType('(e).2')} IN ('number', 'integer'), t = 'activities', ${jsonType('(e).2')} IN ('object', 'array'), t IN ('list', 'strings'), ${jsonType('(e).2')} = 'array', ${jsonType('(e).2')} = t)`;
  const str = 'JSONExtractString((e).2)';
  const vocabulary = vocabularies("concat(kd, '.', (e).1)", '                    ');
  const keyProblem = `arrayFirst(x -> (x).1 > 0, arrayMap((e, t, f) -> (toUInt16(multiIf(
                (e).2 = 'null' AND kd != 'extensions', ${KEY.null},
                kd IN ('languageMap', 'extensions'), 0,
                t = '' AND arrayExists(a -> lower(a) = lower((e).1), ${kindKeys('kd', '                    ')}), ${KEY.keyCase},
                t = '', ${KEY.unknown},
                t = 'forbidden', ${KEY.forbidden},
                NOT ${typeOk}, ${KEY.type},
                t IN ('list', 'activities') AND NOT arrayAll(x -> startsWith(x, '{'), JSONExtractArrayRaw((e).2)), ${KEY.element},
                t = 'strings' AND NOT arrayAll(x -> startsWith(x, '"'), JSONExtractArrayRaw((e).2)), ${KEY.elementString},
                f != '' AND multiIf(${FORMATS.map((fm) => `f = '${fm}', ${formatBroken(fm, str)}`).join(',\n                    ')}, false), ${KEY.format},
                t = 'string' AND NOT has(${vocabulary}, ${str})
                    AND has(arrayMap(x -> lower(x), ${vocabulary}), lower(${str})), ${KEY.vocabularyCase},
                t = 'string' AND notEmpty(${vocabulary}) AND NOT has(${vocabulary}, ${str}), ${KEY.vocabulary},
                0)), (e).1, ${jsonType('(e).2')}),
            kv,
            arrayMap(e -> ${expects("concat(kd, '.', (e).1)", '                ')}, kv),
            arrayMap(e -> ${formats("concat(kd, '.', (e).1)", '                ')}, kv)))`;
  const emptyAllowed = KINDS.filter((k) => k.emptyAllowed).map((k) => sqlString(k.name));
  const ks = 'arrayMap(e -> (e).1, kv)';
  const objectProblem = `multiIf(
            length(arrayDistinct(${ks})) != length(kv), (${OBJECT.once}, arrayFirst((k, i) -> indexOf(${ks}, k) != i, ${ks}, arrayEnumerate(kv))),
            NOT hasAll(${ks}, ${required('kd', '                ')}), (${OBJECT.required}, arrayFirst(q -> NOT has(${ks}, q), ${required('kd', '                ')})),
            empty(kv) AND kd NOT IN (${emptyAllowed.join(', ')}), (${OBJECT.empty}, ''),
            (0, ''))`;
  const ruleKinds = [...new Set(STRICT_RULES.flatMap((r) => r.on))];
  const ruleProblem = `if(kd NOT IN (${ruleKinds.map(sqlString).join(', ')}), 0, arrayMap(m -> multiIf(
${STRICT_RULES.map((r, i) => `                kd IN (${r.on.map(sqlString).join(', ')}) AND (${r.broken}), ${RULE + i + 1}`).join(',\n')},
                0), [CAST(kv, 'Map(String, String)')])[1])`;
  return `arrayFirst(x -> (x).1 > 0, arrayMap((p, kd, ok, kv) -> if(NOT ok, ${NO_PROBLEM},
        arrayMap(kp -> if((kp).1 > 0, ((kp).1, p, kd, (kp).2, (kp).3),
            arrayMap(op -> if((op).1 > 0, (toUInt16((op).1), p, kd, (op).2, ''),
                (toUInt16(${ruleProblem}), p, kd, '', '')),
            [${objectProblem}])[1]),
        [${keyProblem}])[1]),
    (${level}).1, (${level}).2, (${level}).3, (${level}).4))`;
}

export function checkColumns(): Column[] {
  const { noNull, keyCase, knownKey, caseExact, once, notEmpty } = OBJECT_RULES;
  const root: Column = {
    name: 'root_kind',
    note: "the statement's xAPI version: which tables it is checked against (model.ts, model-2.ts)",
    sql: ROOT_KIND_SQL,
    reads: [],
  };
  const problem: Column = {
    name: 'strict_problem',
    note: `the first broken rule, level by level of the statement's objects: (code, path, kind, key, JSON type of its value).
    -- acc = (the first problem found so far, the objects of the current level); a level is checked while none is found.`,
    sql: `(arrayFold((acc, depth) -> (
        if(((acc).1).1 > 0, (acc).1, ${levelProblem('(acc).2')}),
        ${children('(acc).2')}),
    range(${DEPTH + 1}),
    (${NO_PROBLEM}, ${ROOT_LEVEL}))).1`,
    reads: ['root_kind'],
  };
  const code = '(strict_problem).1';
  const p = '(strict_problem).2';
  const kd = '(strict_problem).3';
  const key = '(strict_problem).4';
  const jt = '(strict_problem).5';
  const where = shownPath(p);
  const keyPath = `concat(${p}, if(${p} = '', '', '.'), ${key})`;
  const typeName = `multiIf(${jt} = 'object', 'an object', ${jt} = 'array', 'an array', ${jt} = 'string', 'a string', ${jt} = 'boolean', 'a boolean', 'a number')`;
  const unknownId = `if(${unknownKeyRules(kd, '            ')} != '', ${unknownKeyRules(kd, '            ')}, '${knownKey.id}')`;
  const ruleWords = STRICT_RULES.map((r, i) => {
    const w = r.path ? childPath(p, r.path) : where;
    return `        ${code} = ${RULE + i + 1}, (${sqlString(r.id)}, concat(${w}, ': ${r.id} ', ${sqlString(r.says)}))`;
  });
  const error: Column = {
    name: 'strict_error',
    note: 'the first strict rule broken: (rule id, where: what)',
    sql: `multiIf(
        ${code} = 0, ('', ''),
        ${code} = ${KEY.null}, ('${noNull.id}', concat(${keyPath}, ': ${noNull.id} ', ${key}, ' ${noNull.says}')),
        ${code} = ${KEY.keyCase}, ('${keyCase.id}', concat(${where}, ': ${keyCase.id} "', ${key}, '" ${keyCase.says} ("',
            arrayFirst(a -> lower(a) = lower(${key}), ${kindKeys(kd, '            ')}), '")')),
        ${code} = ${KEY.unknown}, (${unknownId}, concat(${where}, ': ', ${unknownId}, ' "', ${key}, '" ${knownKey.says} ', ${kindLabels(kd, '            ')})),
        ${code} = ${KEY.vocabularyCase}, ('${caseExact.id}', concat(${keyPath}, ': ${caseExact.id} ${caseExact.says}: ',
            arrayStringConcat(${vocabularies(`concat(${kd}, '.', ${key})`, '            ')}, ', '))),
        ${code} = ${OBJECT.once}, ('${once.id}', concat(${where}, ': ${once.id} "', ${key}, '" ${once.says}')),
        ${code} = ${OBJECT.empty}, ('${notEmpty.id}', concat(${where}, ': ${notEmpty.id} ', ${kindLabels(kd, '            ')}, ' ${notEmpty.says}')),
        -- the other codes on a key, and a missing required key: the row of a property table, and how it is broken
        ${code} < ${RULE},
            arrayMap(w -> ((w).1, concat(${keyPath}, ': ', (w).1, ' ', (w).2, multiIf(
                    ${code} = ${KEY.type}, concat(' (it is ', ${typeName}, ')'),
                    ${code} = ${KEY.element}, ' (an element is not an object)',
                    ${code} = ${KEY.elementString}, ' (an element is not a string)',
                    ${code} = ${OBJECT.required}, ' (required)',
                    ''))),
                [${rowWords('                ')}[concat(${kd}, '.', ${key})]])[1],
${ruleWords.join(',\n')},
        ('', ''))`,
    reads: ['strict_problem'],
  };
  return [root, problem, error];
}
