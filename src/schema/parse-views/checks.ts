import { formatBroken } from './formats.js';
import { type Column, childPath, quote, shownPath } from './layers.js';
import { type Format, KINDS, type PropType, rowRule } from './model.js';
import { OBJECT_RULES, STRICT_RULES } from './rules.js';

/**
 * The strict checks, on every object the walk met (walk.ts): first the rules every object obeys, driven by the
 * property tables of model.ts (the rows are written into the SQL as a literal map, from the model, never from
 * data); then each kind's rules of rules.ts.
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
    case 'list':
      return { expect: 'list', format: '', values: [] };
    case 'activities':
      return { expect: 'activities', format: '', values: [] };
    case 'strings':
      return { expect: 'strings', format: '', values: [] };
    case 'forbidden':
      return { expect: 'forbidden', format: '', values: [] };
  }
}

const sqlMap = (entries: [string, string][], indent: string): string =>
  `map(\n${indent}    ${entries.map(([k, v]) => `${quote(k)}, ${v}`).join(`,\n${indent}    `)})`;
const sqlArray = (items: readonly string[]): string => `[${items.map(quote).join(', ')}]`;

/** 'kind.key' → (JSON type, format, vocabulary, rule id, what the row says), for every row of every table. */
function rows(indent: string): string {
  const entries: [string, string][] = [];
  for (const k of KINDS) {
    for (const p of k.props) {
      const e = expectation(p.type);
      const values = e.values.length > 0 ? sqlArray(e.values) : '[]::Array(String)';
      entries.push([
        `${k.name}.${p.name}`,
        `(${quote(e.expect)}, ${quote(e.format)}, ${values}, ${quote(rowRule(p))}, ${quote(p.says)})`,
      ]);
    }
  }
  return sqlMap(entries, indent);
}

const tabled = () => KINDS.filter((k) => !k.freeKeys);
const kindKeys = (indent: string) =>
  sqlMap(
    tabled().map((k) => [k.name, sqlArray(k.props.map((p) => p.name))]),
    indent,
  );
const kindLabels = (indent: string) =>
  sqlMap(
    KINDS.map((k) => [k.name, quote(k.label)]),
    indent,
  );
/** kind → the rule an unknown key breaks, where the kind has its own (else 2.2.s4.b1.b7). */
const unknownKeyRules = (indent: string) =>
  sqlMap(
    KINDS.filter((k) => k.unknownKey).map((k) => [k.name, quote(k.unknownKey as string)]),
    indent,
  );

/** kind → its required keys, each with its row's rule id and words. */
function required(indent: string): string {
  const entries: [string, string][] = tabled()
    .filter((k) => k.props.some((p) => p.required))
    .map((k) => [
      k.name,
      `[${k.props
        .filter((p) => p.required)
        .map((p) => `(${quote(p.name)}, ${quote(rowRule(p))}, ${quote(p.says)})`)
        .join(', ')}]`,
    ]);
  return sqlMap(entries, indent);
}

/** The JSON type of a raw value. */
const JSON_TYPE =
  "multiIf(raw = 'null', 'null', startsWith(raw, '\"'), 'string', startsWith(raw, '{'), 'object', startsWith(raw, '['), 'array', raw IN ('true', 'false'), 'boolean', match(raw, '^-?[0-9]+$'), 'integer', 'number')";

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
];

export function checkColumns(): Column[] {
  const { noNull, keyCase, knownKey, caseExact, once, notEmpty } = OBJECT_RULES;
  // e = (path, kind, key, raw, JSON type, string value, row (type, format, vocabulary, id, says), key in another case,
  //      (kind label, its unknown-key rule))
  const entries: Column = {
    name: 'xapi_entries',
    note: 'every key of every object: (path, kind, key, raw, JSON type, string value, its row, the key in another case, kind)',
    sql: `arrayFlatten(arrayMap((p, kd, kv) -> arrayMap(e -> (p, kd, (e).1, (e).2,
            ${JSON_TYPE.replaceAll('raw', '(e).2')},
            if(startsWith((e).2, '"'), JSONExtractString((e).2), ''),
            ${rows('            ')}[concat(kd, '.', (e).1)],
            arrayFirst(a -> lower(a) = lower((e).1), ${kindKeys('                ')}[kd]),
            (${kindLabels('                ')}[kd], ${unknownKeyRules('                ')}[kd])),
        kv),
    (xapi_objects).1, (xapi_objects).2, (xapi_objects).4))`,
    reads: ['xapi_objects'],
  };
  const where = shownPath('(e).1');
  const keyPath = "concat((e).1, if((e).1 = '', '', '.'), (e).3)";
  const row = (i: number) => `((e).7).${i}`;
  const said = `concat(${keyPath}, ': ', ${row(4)}, ' ', ${row(5)})`;
  const typeName =
    "multiIf((e).5 = 'object', 'an object', (e).5 = 'array', 'an array', (e).5 = 'string', 'a string', (e).5 = 'boolean', 'a boolean', 'a number')";
  const typeOk = `multiIf(${row(1)} = 'number', (e).5 IN ('number', 'integer'), ${row(1)} = 'activities', (e).5 IN ('object', 'array'), ${row(1)} IN ('list', 'strings'), (e).5 = 'array', (e).5 = ${row(1)})`;
  const formatBroken_ = `multiIf(${FORMATS.map((f) => `${row(2)} = '${f}', ${formatBroken(f, '(e).6')}`).join(',\n                ')}, false)`;
  const entryErrors: Column = {
    name: 'entry_errors',
    note: 'model.ts rows and OBJECT_RULES (rules.ts), on every key of every object',
    sql: `arrayMap(e -> multiIf(
        (e).4 = 'null' AND (e).2 != 'extensions', ('${noNull.id}', concat(${keyPath}, ': ${noNull.id} ', (e).3, ' ${noNull.says}')),
        (e).2 IN ('languageMap', 'extensions'), ('', ''),
        ${row(1)} = '' AND (e).8 != '', ('${keyCase.id}', concat(${where}, ': ${keyCase.id} "', (e).3, '" ${keyCase.says} ("', (e).8, '")')),
        ${row(1)} = '', (if(((e).9).2 != '', ((e).9).2, '${knownKey.id}'),
            concat(${where}, ': ', if(((e).9).2 != '', ((e).9).2, '${knownKey.id}'), ' "', (e).3, '" ${knownKey.says} ', ((e).9).1)),
        ${row(1)} = 'forbidden', (${row(4)}, ${said}),
        NOT ${typeOk}, (${row(4)}, concat(${said}, ' (it is ', ${typeName}, ')')),
        ${row(1)} IN ('list', 'activities') AND NOT arrayAll(x -> startsWith(x, '{'), JSONExtractArrayRaw((e).4)),
            (${row(4)}, concat(${said}, ' (an element is not an object)')),
        ${row(1)} = 'strings' AND NOT arrayAll(x -> startsWith(x, '"'), JSONExtractArrayRaw((e).4)),
            (${row(4)}, concat(${said}, ' (an element is not a string)')),
        ${row(1)} = 'string' AND ${row(2)} != '' AND ${formatBroken_},
            (${row(4)}, ${said}),
        notEmpty(${row(3)}) AND NOT has(${row(3)}, (e).6) AND has(arrayMap(x -> lower(x), ${row(3)}), lower((e).6)),
            ('${caseExact.id}', concat(${keyPath}, ': ${caseExact.id} ${caseExact.says}: ', arrayStringConcat(${row(3)}, ', '))),
        notEmpty(${row(3)}) AND NOT has(${row(3)}, (e).6), (${row(4)}, ${said}),
        ('', '')),
    xapi_entries)`,
    reads: ['xapi_entries'],
  };
  const rwhere = shownPath('p');
  const emptyAllowed = KINDS.filter((k) => k.emptyAllowed).map((k) => quote(k.name));
  const objectErrors: Column = {
    name: 'object_errors',
    note: 'OBJECT_RULES (rules.ts) and required rows (model.ts), on every object',
    sql: `arrayMap((p, kd, ok, ks) -> multiIf(
        NOT ok, ('', ''),
        length(arrayDistinct(ks)) != length(ks),
            ('${once.id}', concat(${rwhere}, ': ${once.id} "', arrayFirst((k, i) -> indexOf(ks, k) != i, ks, arrayEnumerate(ks)), '" ${once.says}')),
        arrayExists(q -> NOT has(ks, (q).1), ${required('            ')}[kd]),
            arrayMap(q -> ((q).2, concat(${rwhere}, ': ', (q).2, ' ', (q).3, ' (required)')),
                arrayFilter(q -> NOT has(ks, (q).1), ${required('                ')}[kd]))[1],
        empty(ks) AND kd NOT IN (${emptyAllowed.join(', ')}),
            ('${notEmpty.id}', concat(${rwhere}, ': ${notEmpty.id} ', ${kindLabels('            ')}[kd], ' ${notEmpty.says}')),
        ('', '')),
    (xapi_objects).1, (xapi_objects).2, (xapi_objects).3, arrayMap(kv -> arrayMap(e -> (e).1, kv), (xapi_objects).4))`,
    reads: ['xapi_objects'],
  };
  const kindColumns: Column[] = [];
  for (const k of KINDS) {
    const rules = STRICT_RULES.filter((x) => x.on.includes(k.name));
    if (rules.length === 0) continue;
    const branches = rules.map((rule) => {
      const w = rule.path ? childPath('at', rule.path) : shownPath('at');
      return `        ${rule.broken},\n            (${quote(rule.id)}, concat(${w}, ': ${rule.id} ', ${quote(rule.says)}))`;
    });
    kindColumns.push({
      name: `${k.name}_objects`,
      sql: `arrayFilter(o -> (o).2 = '${k.name}' AND (o).3, xapi_objects)`,
      reads: ['xapi_objects'],
    });
    kindColumns.push({
      name: `${k.name}_errors`,
      note: `${k.label} (${k.section}): its rules in rules.ts; m maps each key to its raw value`,
      sql: `arrayMap((at, m) -> multiIf(\n${branches.join(',\n')},\n        ('', '')),
    (${k.name}_objects).1, arrayMap(kv -> CAST(kv, 'Map(String, String)'), (${k.name}_objects).4))`,
      reads: [`${k.name}_objects`],
    });
  }
  return [entries, entryErrors, objectErrors, ...kindColumns];
}
