/**
 * What Grafana and the official ClickHouse data source plugin (grafana/clickhouse-datasource) do to a panel's
 * SQL before ClickHouse sees it, so a test can run a dashboard's queries as Grafana would. Three steps, in the
 * plugin's order (src/data/CHDatasource.ts, applyTemplateVariables, in the browser; then the Go backend):
 *
 *   1. `$__conditionalAll(condition, $var)`: the plugin's frontend, before any variable is interpolated.
 *   2. Template variables: Grafana's interpolation (@grafana/scenes, sceneInterpolator.ts and formatRegistry.ts),
 *      with the plugin's own format function for a variable written without a format.
 *   3. The backend macros (`$__timeFilter(c)`, `$__fromTime`, …): pkg/macros/macros.go, through grafana/macropro.
 *
 * Written from the sources, at these commits (read them there, not here):
 *   grafana/clickhouse-datasource 1d04063a (v4.20.0): pkg/macros/macros.go, pkg/macros/macros_test.go,
 *     pkg/macros/statement.go, pkg/plugin/driver.go (interpolateMacros), src/data/CHDatasource.ts
 *     (applyTemplateVariables, applyConditionalAll, getMacroArgs, format), src/data/CHDatasource.test.ts,
 *     pkg/converters/registry.go (the field type of each ClickHouse type).
 *   grafana/scenes: packages/scenes/src/variables/constants.ts (VARIABLE_REGEX, ALL_VARIABLE_VALUE),
 *     interpolation/sceneInterpolator.ts, interpolation/formatRegistry.ts, variants/MultiValueVariable.ts
 *     (getValue: "All" is every option's value, or the custom all value unformatted).
 *
 * Only what was verified is implemented; anything else (another macro, a format, a macro inside a string
 * literal or a comment, whose handling was not checked) throws, so a dashboard cannot silently depend on
 * behaviour this file guesses.
 */

// ─── Template variables (Grafana) ─────────────────────────────────────────────────────────────────────────

/** Grafana's value of a selected "All" (scenes constants.ts ALL_VARIABLE_VALUE). */
export const ALL = '$__all';

/** A multi-value query variable as a dashboard holds it: its options (from its query) and what is selected. */
export interface Variable {
  name: string;
  /** One value, several, or [ALL] ('$__all' alone for a single-value variable). */
  current: string | string[];
  /** The options the variable's query returned (value: the first column; text: the second, else the first). */
  options: { value: string; text: string }[];
  /** The variable's custom all value, when it has one: then "All" interpolates to it, unformatted. */
  allValue?: string | null;
}

function isAll(current: string | string[]): boolean {
  return current === ALL || (Array.isArray(current) && current[0] === ALL);
}

/** MultiValueVariable.getValue: "All" is the list of every option's value unless a custom all value is set. */
function variableValue(v: Variable): string | string[] | { custom: string } {
  if (isAll(v.current)) return v.allValue ? { custom: v.allValue } : v.options.map((o) => o.value);
  return v.current;
}

/**
 * The formats this file knows (scenes formatRegistry.ts), and, for a variable written without one, the plugin's
 * `format` (CHDatasource.ts): an array becomes `'a','b'` (quotes not escaped), a single value stays as it is.
 */
function formatValue(value: string | string[], format: string | undefined): string {
  const list = Array.isArray(value) ? value : undefined;
  switch (format) {
    case undefined:
      return list ? `'${list.join("','")}'` : (value as string);
    case 'singlequote': {
      // escape single quotes with backslash
      const q = (s: string) => `'${s.replace(/'/g, "\\'")}'`;
      return list ? list.map(q).join(',') : q(value as string);
    }
    case 'sqlstring': {
      const q = (s: string) => `'${s.replace(/'|"/g, (m) => (m === "'" ? "''" : '\\"'))}'`;
      return list ? list.map(q).join(',') : q(value as string);
    }
    case 'csv':
      return list ? list.join(',') : (value as string);
    case 'raw':
      return String(value);
    default:
      throw new Error(`grafana-macros: the variable format "${format}" is not implemented here`);
  }
}

/** scenes constants.ts: `$var`, `[[var]]` / `[[var:fmt]]`, `${var}` / `${var.fieldPath}` / `${var:fmt}`. */
const VARIABLE_REGEX = /\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\${(\w+)(?:\.([^:^}]+))?(?::([^}]+))?}/g;

/**
 * sceneInterpolator: every reference to a known variable is replaced by its formatted value; a reference to
 * anything else (the plugin's `$__…` macros, unknown names) is left as it is.
 */
export function interpolateVariables(sql: string, variables: Variable[]): string {
  return sql.replace(VARIABLE_REGEX, (match, var1, var2, fmt2, var3, fieldPath, fmt3) => {
    const name: string = var1 || var2 || var3;
    const variable = variables.find((v) => v.name === name);
    if (!variable) return match;
    if (fieldPath) throw new Error(`grafana-macros: \${${name}.${fieldPath}} is not implemented here`);
    const value = variableValue(variable);
    if (!Array.isArray(value) && typeof value === 'object') return value.custom; // CustomAllValue: unformatted
    return formatValue(value, fmt2 || fmt3);
  });
}

// ─── $__conditionalAll (the plugin's frontend) ────────────────────────────────────────────────────────────

/**
 * CHDatasource.getMacroArgs: the arguments of the macro whose '(' is at `argsIndex`, split at commas at depth
 * one. Parentheses only: a comma or parenthesis inside a string literal is not told apart (as in the plugin).
 */
function getMacroArgs(query: string, argsIndex: number): string[] {
  const args: string[] = [];
  const re = /\(|\)|,/g;
  let bracketCount = 0;
  let lastArgEndIndex = 1;
  const argsSubstr = query.substring(argsIndex, query.length);
  for (let m = re.exec(argsSubstr); m !== null; m = re.exec(argsSubstr)) {
    const foundNode = m[0];
    if (foundNode === '(') bracketCount++;
    else if (foundNode === ')') bracketCount--;
    if (foundNode === ',' && bracketCount === 1) {
      args.push(argsSubstr.substring(lastArgEndIndex, re.lastIndex - 1));
      lastArgEndIndex = re.lastIndex;
    }
    if (bracketCount === 0) {
      args.push(argsSubstr.substring(lastArgEndIndex, re.lastIndex - 1));
      return args;
    }
  }
  return [];
}

/**
 * CHDatasource.applyConditionalAll: from the last `$__conditionalAll(` back to the first, the macro becomes its
 * first argument, untouched, or `1=1` when the variable named in its second argument (`$v` or `${v}`; a format
 * there defeats the check) is "All" or empty. The variable's current value is read as `String(value)`.
 */
export function applyConditionalAll(sql: string, variables: Variable[]): string {
  const macro = '$__conditionalAll(';
  let rawQuery = sql;
  let macroIndex = rawQuery.lastIndexOf(macro);
  while (macroIndex !== -1) {
    const params = getMacroArgs(rawQuery, macroIndex + macro.length - 1);
    if (params.length !== 2) return rawQuery;
    const [condition, variableParam] = params as [string, string];
    const templateVar = /(?<=\$\{)[\w\d]+(?=\})|(?<=\$)[\w\d]+/.exec(variableParam.trim());
    let phrase = condition;
    if (templateVar) {
      const key = variables.find((v) => v.name === templateVar[0]);
      const value = key === undefined ? undefined : String(key.current);
      if (value === '' || value === ALL) phrase = '1=1';
    }
    rawQuery = rawQuery.replace(`${macro}${condition},${variableParam})`, phrase);
    macroIndex = rawQuery.lastIndexOf(macro);
  }
  return rawQuery;
}

// ─── The backend macros (pkg/macros/macros.go) ────────────────────────────────────────────────────────────

/** The query's time range and interval, as the backend receives them (sqlutil.Query TimeRange, Interval). */
export interface QueryContext {
  from: Date;
  to: Date;
  /** The panel's interval in milliseconds ($__timeInterval, $__interval_s); Grafana computes it per panel. */
  intervalMs?: number;
}

/** time.Time.Unix(): whole seconds, rounded down. */
const unixSeconds = (t: Date) => Math.floor(t.getTime() / 1000);
/** timeToDateTime: `toDateTime(<unix seconds>)`. */
const toDateTime = (t: Date) => `toDateTime(${unixSeconds(t)})`;
/** timeToDateTime64: `fromUnixTimestamp64Milli(<unix ms>)`. */
const toDateTime64 = (t: Date) => `fromUnixTimestamp64Milli(${t.getTime()})`;
/**
 * timeToDate: `toDate('YYYY-MM-DD')`, Go's t.Format("2006-01-02") in the location of the time the SDK built:
 * the plugin process's local zone. Written here in UTC, the zone of Grafana's Docker image.
 */
const toDate = (t: Date) => `toDate('${t.toISOString().slice(0, 10)}')`;
/** math.Max(interval seconds, 1), as an integer. */
const intervalSeconds = (ctx: QueryContext) => Math.trunc(Math.max((ctx.intervalMs ?? 0) / 1000, 1));

type Macro = (ctx: QueryContext, args: string[]) => string;

function arity(name: string, want: number, args: string[]): void {
  if (args.length !== want)
    throw new Error(
      `$__${name} expected ${want} argument(s), received ${args.length} (as the plugin answers)`,
    );
}

/** ClickHouseMacros in macros.go: the name without `$__` → what it expands to (comments quote the Go doc). */
const MACROS: Record<string, Macro> = {
  // $__timeFilter(col) → col >= toDateTime(<from>) AND col <= toDateTime(<to>)
  timeFilter: (ctx, a) => {
    arity('timeFilter', 1, a);
    return `${a[0]} >= ${toDateTime(ctx.from)} AND ${a[0]} <= ${toDateTime(ctx.to)}`;
  },
  // $__timeFilter_ms(col) → col >= fromUnixTimestamp64Milli(<from>) AND col <= fromUnixTimestamp64Milli(<to>)
  timeFilter_ms: (ctx, a) => {
    arity('timeFilter_ms', 1, a);
    return `${a[0]} >= ${toDateTime64(ctx.from)} AND ${a[0]} <= ${toDateTime64(ctx.to)}`;
  },
  // $__dateFilter(col) → col >= toDate('YYYY-MM-DD') AND col <= toDate('YYYY-MM-DD')
  dateFilter: (ctx, a) => {
    arity('dateFilter', 1, a);
    return `${a[0]} >= ${toDate(ctx.from)} AND ${a[0]} <= ${toDate(ctx.to)}`;
  },
  // $__dateTimeFilter(dateCol, timeCol) → (dateCol >= toDate(…) AND …) AND (timeCol >= toDateTime(…) AND …); alias $__dt
  dateTimeFilter: (ctx, a) => dateTimeFilter(ctx, a, 'dateTimeFilter'),
  dt: (ctx, a) => dateTimeFilter(ctx, a, 'dt'),
  // $__timeFrom(col) → col >= toDateTime(<from_unix>);  $__timeTo(col) → col <= toDateTime(<to_unix>)
  timeFrom: (ctx, a) => {
    arity('timeFrom', 1, a);
    return `${a[0]} >= ${toDateTime(ctx.from)}`;
  },
  timeTo: (ctx, a) => {
    arity('timeTo', 1, a);
    return `${a[0]} <= ${toDateTime(ctx.to)}`;
  },
  // $__fromTime → toDateTime(<from>); $__toTime → toDateTime(<to>); the _ms forms fromUnixTimestamp64Milli(<ms>)
  fromTime: (ctx) => toDateTime(ctx.from),
  toTime: (ctx) => toDateTime(ctx.to),
  fromTime_ms: (ctx) => toDateTime64(ctx.from),
  toTime_ms: (ctx) => toDateTime64(ctx.to),
  // $__timeInterval(col) → toStartOfInterval(toDateTime(col), INTERVAL N second), N = max(interval s, 1)
  timeInterval: (ctx, a) => {
    arity('timeInterval', 1, a);
    return `toStartOfInterval(toDateTime(${a[0]}), INTERVAL ${intervalSeconds(ctx)} second)`;
  },
  // $__timeInterval_ms(col) → toStartOfInterval(toDateTime64(col, 3), INTERVAL N millisecond), N = max(ms, 1)
  timeInterval_ms: (ctx, a) => {
    arity('timeInterval_ms', 1, a);
    return `toStartOfInterval(toDateTime64(${a[0]}, 3), INTERVAL ${Math.trunc(Math.max(ctx.intervalMs ?? 0, 1))} millisecond)`;
  },
  // $__interval_s → N (the interval in whole seconds, at least 1)
  interval_s: (ctx) => String(intervalSeconds(ctx)),
};

function dateTimeFilter(ctx: QueryContext, a: string[], name: string): string {
  arity(name, 2, a);
  const [d, t] = a as [string, string];
  return (
    `(${d} >= ${toDate(ctx.from)} AND ${d} <= ${toDate(ctx.to)}) AND ` +
    `(${t} >= ${toDateTime(ctx.from)} AND ${t} <= ${toDateTime(ctx.to)})`
  );
}

/** statement.go's statement macros rewrite the whole query; not implemented here. */
const STATEMENT_MACROS = new Set(['columns', 'rateColumns', 'perSecondColumns', 'increaseColumns', 'lttb']);

/** The end of the quoted region that starts at `i` ('…' with \ escapes and '', "…", `…`). */
function skipQuoted(sql: string, i: number): number {
  const quote = sql[i];
  let j = i + 1;
  while (j < sql.length) {
    if (sql[j] === '\\') j += 2;
    else if (sql[j] === quote && sql[j + 1] === quote) j += 2;
    else if (sql[j] === quote) return j + 1;
    else j++;
  }
  throw new Error(`grafana-macros: unterminated ${quote} in ${sql}`);
}

/**
 * macropro.Interpolate with ClickHouseMacros: `$__name` (the longest run of word characters: `$__interval_s` is
 * interval_s, not interval) followed by `(args)` or not. Arguments split at top-level commas and are trimmed
 * (TestInterpolate: "with empty spaces"); a macro inside an argument expands first (TestInterpolateNestedMacros).
 */
export function expandMacros(sql: string, ctx: QueryContext): string {
  let out = '';
  let i = 0;
  while (i < sql.length) {
    const c = sql[i] as string;
    if (c === "'" || c === '"' || c === '`') {
      const end = skipQuoted(sql, i);
      const literal = sql.slice(i, end);
      if (literal.includes('$__'))
        throw new Error(
          `grafana-macros: a macro inside a quoted literal is not implemented here: ${literal}`,
        );
      out += literal;
      i = end;
    } else if (sql.startsWith('--', i) || sql.startsWith('/*', i)) {
      throw new Error(
        'grafana-macros: comments are not implemented here (macropro strips macros inside them)',
      );
    } else if (sql.startsWith('$__', i)) {
      const name = /^\w*/.exec(sql.slice(i + 3))?.[0] ?? '';
      let j = i + 3 + name.length;
      if (STATEMENT_MACROS.has(name)) throw new Error(`grafana-macros: $__${name} is not implemented here`);
      const macro = MACROS[name];
      if (!macro) throw new Error(`grafana-macros: $__${name} is not a macro this file implements`);
      let args: string[] = [];
      if (sql[j] === '(') {
        const { list, end } = splitArgs(sql, j);
        args = list.map((a) => expandMacros(a.trim(), ctx));
        j = end;
      }
      out += macro(ctx, args);
      i = j;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

/** The arguments of the call whose '(' is at `open`, split at depth-one commas, and the index after ')'. */
function splitArgs(sql: string, open: number): { list: string[]; end: number } {
  const list: string[] = [];
  let depth = 0;
  let start = open + 1;
  let i = open;
  while (i < sql.length) {
    const c = sql[i];
    if (c === "'" || c === '"' || c === '`') {
      i = skipQuoted(sql, i);
      continue;
    }
    if (c === '(') depth++;
    else if (c === ')') {
      depth--;
      if (depth === 0) {
        const last = sql.slice(start, i);
        if (list.length > 0 || last.trim() !== '') list.push(last);
        return { list, end: i + 1 };
      }
    } else if (c === ',' && depth === 1) {
      list.push(sql.slice(start, i));
      start = i + 1;
    }
    i++;
  }
  throw new Error(`grafana-macros: unbalanced parentheses in ${sql}`);
}

/** A panel's rawSql as ClickHouse receives it: the three steps above, in the plugin's order. */
export function renderQuery(rawSql: string, variables: Variable[], ctx: QueryContext): string {
  return expandMacros(interpolateVariables(applyConditionalAll(rawSql, variables), variables), ctx);
}

// ─── What the plugin makes of the result (pkg/converters/registry.go) ─────────────────────────────────────

export type FieldKind = 'number' | 'string' | 'time' | 'boolean' | 'json' | 'unknown';

/**
 * The Grafana field type a ClickHouse column type becomes: (U)Int8…64, Float32/64, Decimal (as float64) and their
 * Nullable forms are numbers; Bool is boolean; String, LowCardinality(String), Enum8/16, IPv4/6 and their Nullable
 * forms are strings; a type whose name starts with Date (Date, Date32, DateTime, DateTime64) is a time; Array, Map,
 * Tuple, Nested, JSON, Variant and Dynamic are JSON. Anything else (128/256-bit integers, …) is 'unknown' here.
 */
export function fieldKind(clickhouseType: string): FieldKind {
  const lowCardinality = /^LowCardinality\((.*)\)$/.exec(clickhouseType)?.[1] ?? clickhouseType;
  const t = /^Nullable\((.*)\)$/.exec(lowCardinality)?.[1] ?? lowCardinality;
  if (/^(U?Int(8|16|32|64)|Float(32|64)|Decimal.*)$/.test(t)) return 'number';
  if (t === 'Bool') return 'boolean';
  if (/^(String|Enum(8|16)\(.*\)|IPv[46])$/.test(t)) return 'string';
  if (/^Date/.test(t)) return 'time';
  if (/^(Array|Map|Tuple|Nested)\(|^(JSON|Variant|Dynamic)/.test(t)) return 'json';
  return 'unknown';
}
