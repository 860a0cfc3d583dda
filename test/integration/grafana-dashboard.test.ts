import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { ROOT, runCli } from '../helpers/cli.js';
import {
  ALL,
  applyConditionalAll,
  expandMacros,
  type FieldKind,
  fieldKind,
  interpolateVariables,
  type QueryContext,
  renderQuery,
  type Variable,
} from '../helpers/grafana-macros.js';

/**
 * dashboards/grafana/xapi-etl.json, run as Grafana runs it: every panel's and every variable's SQL, with the
 * ClickHouse plugin's macros and Grafana's variable formats expanded as they are there
 * (test/helpers/grafana-macros.ts), on the demo's data, through `xapi-etl query`. Without it a renamed view
 * column, a changed type or a filter that stopped filtering would show up as an empty or broken panel in
 * someone's Grafana, never here. The columns a panel reads (its overrides, transformations, x field, reduce
 * field) must be in the result with the types its visualisation needs, and a section or video filter must
 * keep that section's or video's rows only.
 */

const DIR = path.join(ROOT, 'dashboards/grafana');
const DASHBOARD = path.join(DIR, 'xapi-etl.json');
const DATASOURCE_TYPE = 'grafana-clickhouse-datasource';
/** The datasource variable, as every query names its data source. */
const DATASOURCE = { type: DATASOURCE_TYPE, uid: `\${datasource}` };
const DAY_MS = 86_400_000;

interface Target {
  datasource: { type: string; uid: string };
  editorType: string;
  format: number;
  queryType: string;
  rawSql: string;
  refId: string;
}
interface Override {
  matcher: { id: string; options: string };
  properties: { id: string; value: unknown }[];
}
interface Panel {
  id: number;
  type: string;
  title: string;
  datasource?: { type: string; uid: string };
  targets?: Target[];
  fieldConfig?: { defaults: Record<string, unknown>; overrides: Override[] };
  options?: { xField?: string; reduceOptions?: { fields?: string; values?: boolean } };
  transformations?: { id: string; options: Record<string, unknown> }[];
}
interface TemplateVariable {
  name: string;
  type: string;
  multi?: boolean;
  includeAll?: boolean;
  datasource?: { type: string; uid: string };
  query: string | { editorType: string; rawSql: string };
  current: { text: unknown; value: unknown };
}
interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: TemplateVariable[] };
}

const dashboard = JSON.parse(fs.readFileSync(DASHBOARD, 'utf8')) as Dashboard;
const panels = dashboard.panels.filter((p) => p.type !== 'row');
const variable = (name: string) => {
  const v = dashboard.templating.list.find((x) => x.name === name);
  if (!v) throw new Error(`the dashboard has no variable ${name}`);
  return v;
};
const variableSql = (name: string) => {
  const q = variable(name).query;
  return typeof q === 'string' ? q : q.rawSql;
};
const target = (p: Panel) => {
  const t = p.targets?.[0];
  if (!t) throw new Error(`panel "${p.title}" has no query`);
  return t;
};
const uses = (p: Panel, name: string) => new RegExp(`\\$\\{?${name}\\b`).test(target(p).rawSql);

/** The tables and views a panel may read whose rows have a time (migrations/0001, derived/50_analytics_views). */
const TIMED = ['daily_active_learners', 'daily_verbs', 'ingested_files', 'rejected_statements'];
/** The views with a video_id column. */
const PER_VIDEO = [
  'video_sessions',
  'video_viewers',
  'video_retention',
  'video_completion',
  'video_drop_off',
];
const reads = (p: Panel, table: string) => new RegExp(`\\bFROM\\s+${table}\\b`).test(target(p).rawSql);

/** The columns a panel reads by name: overrides, transformations, its x field and reduce field. */
function fieldsRead(p: Panel): string[] {
  const names = new Set<string>();
  for (const o of p.fieldConfig?.overrides ?? []) if (o.matcher.id === 'byName') names.add(o.matcher.options);
  for (const t of p.transformations ?? []) {
    if (t.id === 'organize')
      for (const key of ['excludeByName', 'renameByName', 'indexByName'])
        for (const name of Object.keys((t.options[key] as object | undefined) ?? {})) names.add(name);
    if (t.id === 'partitionByValues') for (const name of t.options.fields as string[]) names.add(name);
    if (t.id === 'joinByField') names.add(t.options.byField as string);
  }
  if (p.options?.xField) names.add(p.options.xField);
  const reduce = /^\/\^(\w+)\$\/$/.exec(p.options?.reduceOptions?.fields ?? '');
  if (reduce?.[1]) names.add(reduce[1]);
  return [...names];
}

/** The fields an override gives a unit: numbers, or times for the date formats. */
function unitFields(p: Panel): Map<string, FieldKind> {
  const kinds = new Map<string, FieldKind>();
  for (const o of p.fieldConfig?.overrides ?? []) {
    const unit = o.properties.find((x) => x.id === 'unit')?.value;
    if (o.matcher.id === 'byName' && typeof unit === 'string')
      kinds.set(o.matcher.options, unit.startsWith('dateTime') ? 'time' : 'number');
  }
  return kinds;
}

interface Result {
  meta: { name: string; type: string }[];
  data: Record<string, unknown>[];
}

// ─── Without the engine ───────────────────────────────────────────────────────────────────────────────────

describe('the Grafana dashboard, as files', () => {
  it('is a dashboard for the ClickHouse plugin: SQL targets on the datasource variable, a format each', () => {
    expect(dashboard.uid).toBeTruthy();
    expect(panels.length).toBeGreaterThanOrEqual(10);
    for (const p of panels) {
      const t = target(p);
      expect(p.targets, p.title).toHaveLength(1);
      expect(p.datasource, p.title).toEqual(DATASOURCE);
      expect(t.datasource, p.title).toEqual(DATASOURCE);
      expect(t.editorType, p.title).toBe('sql');
      // sqlds formats (src/data/utils.ts mapQueryTypeToGrafanaFormat): 0 time series, 1 table.
      expect([0, 1], p.title).toContain(t.format);
      expect(t.queryType, p.title).toBe(t.format === 0 ? 'timeseries' : 'table');
      expect(
        t.format === 0,
        `${p.title}: a time series panel, and only it, asks for the time series format`,
      ).toBe(p.type === 'timeseries');
      // Every panel follows the section filter; every panel over a per-video view follows the video filter.
      expect(uses(p, 'section'), p.title).toBe(true);
      if (PER_VIDEO.some((v) => reads(p, v)) || reads(p, 'video_seek_hotspots'))
        expect(uses(p, 'video'), p.title).toBe(true);
      // A panel over rows with a time follows the time picker.
      if (TIMED.some((table) => reads(p, table)))
        expect(t.rawSql, `${p.title} reads rows with a time: it must filter on the time range`).toMatch(
          /\$__(timeFilter|dateFilter)\(/,
        );
    }
  });

  it('has section and video variables: multi-value, All, over the views; $__conditionalAll names them plainly', () => {
    const ds = variable('datasource');
    expect(ds.type).toBe('datasource');
    expect(ds.query).toBe(DATASOURCE_TYPE);
    for (const name of ['section', 'video']) {
      const v = variable(name);
      expect(v).toMatchObject({ type: 'query', multi: true, includeAll: true });
      expect(v.datasource).toEqual(DATASOURCE);
      expect(v.query).toMatchObject({ editorType: 'sql' });
      expect(v.current.value).toEqual([ALL]);
    }
    // The plugin finds "All" from the variable named in the second argument, read plainly: a format there
    // (${v:singlequote}) defeats it (its docs, template-variables.md).
    const sqls = [...panels.map((p) => target(p).rawSql), variableSql('video')];
    for (const sql of sqls)
      for (const m of sql.matchAll(/\$__conditionalAll\(.*?,\s*([^)]*)\)/g))
        expect(m[1], sql).toMatch(/^\$(section|video)$|^\$\{(section|video)\}$/);
  });

  it('provisions a ClickHouse data source from environment variables, never a literal password', () => {
    const ds = parseYaml(fs.readFileSync(path.join(DIR, 'provisioning/datasources/clickhouse.yaml'), 'utf8'));
    const [source] = ds.datasources as Record<string, unknown>[];
    expect(source).toMatchObject({ type: DATASOURCE_TYPE, uid: variable('datasource').current.value });
    const env = /^\$\{?[A-Z][A-Z0-9_]*\}?$/;
    const jsonData = source?.jsonData as Record<string, unknown>;
    for (const key of ['host', 'port', 'secure', 'username', 'defaultDatabase'])
      expect(jsonData[key], key).toMatch(env);
    expect(jsonData.protocol).toBe('http');
    expect((source?.secureJsonData as Record<string, unknown> | undefined)?.password).toMatch(env);

    const provider = parseYaml(
      fs.readFileSync(path.join(DIR, 'provisioning/dashboards/xapi-etl.yaml'), 'utf8'),
    );
    const [files] = provider.providers as { type: string; options: { path: string } }[];
    expect(files?.type).toBe('file');
    expect(path.isAbsolute(files?.options.path ?? '')).toBe(true);
  });

  it('expands macros and variables as the plugin’s and Grafana’s own tests expect', () => {
    // pkg/macros/macros_test.go, TestInterpolate and TestInterpolateNestedMacros.
    const ctx = { from: new Date('2014-11-12T11:45:26.123Z'), to: new Date('2015-11-12T11:45:26.456Z') };
    const cases: [string, string][] = [
      [
        'select * from foo where $__timeFilter(cast(sth as timestamp) )',
        'select * from foo where cast(sth as timestamp) >= toDateTime(1415792726) AND cast(sth as timestamp) <= toDateTime(1447328726)',
      ],
      [
        'select * from foo where $__timeFilter_ms(cast(sth as timestamp))',
        'select * from foo where cast(sth as timestamp) >= fromUnixTimestamp64Milli(1415792726123) AND cast(sth as timestamp) <= fromUnixTimestamp64Milli(1447328726456)',
      ],
      [
        'select * from foo where ( date >= $__fromTime ) and ( date <= $__toTime ) limit 100',
        'select * from foo where ( date >= toDateTime(1415792726) ) and ( date <= toDateTime(1447328726) ) limit 100',
      ],
      [
        'select * from foo where $__timeFilter(coalesce(closed_at, $__toTime))',
        'select * from foo where coalesce(closed_at, toDateTime(1447328726)) >= toDateTime(1415792726) AND coalesce(closed_at, toDateTime(1447328726)) <= toDateTime(1447328726)',
      ],
    ];
    for (const [input, output] of cases) expect(expandMacros(input, ctx)).toBe(output);
    const minute = { ...ctx, intervalMs: 60_000 };
    expect(expandMacros('SELECT $__timeInterval($__fromTime) AS from_time', minute)).toBe(
      'SELECT toStartOfInterval(toDateTime(toDateTime(1415792726)), INTERVAL 60 second) AS from_time',
    );
    expect(expandMacros('SELECT $__timeInterval_ms($__fromTime_ms)', minute)).toBe(
      'SELECT toStartOfInterval(toDateTime64(fromUnixTimestamp64Milli(1415792726123), 3), INTERVAL 60000 millisecond)',
    );
    // TestMacroDateFilter, TestMacroIntervalSeconds.
    expect(expandMacros('$__dateFilter(dateCol)', ctx)).toBe(
      "dateCol >= toDate('2014-11-12') AND dateCol <= toDate('2015-11-12')",
    );
    expect(expandMacros('$__interval_s', { ...ctx, intervalMs: 20_000 })).toBe('20');
    expect(() => expandMacros('$__timeFilter()', ctx)).toThrow(/expected 1 argument/);

    // src/data/CHDatasource.test.ts, applyConditionalAll.
    const sql = 'select stuff from table where $__conditionalAll(fieldVal in ($fieldVal), $fieldVal);';
    const v = (current: string | string[], name = 'fieldVal'): Variable => ({ name, current, options: [] });
    expect(applyConditionalAll(sql, [v('$__all')])).toBe('select stuff from table where 1=1;');
    expect(applyConditionalAll(sql, [v("'val1', 'val2'")])).toBe(
      'select stuff from table where fieldVal in ($fieldVal);',
    );
    expect(
      applyConditionalAll(
        'select stuff from table where $__conditionalAll(fieldVal in ($fieldVal), $fieldVal) and $__conditionalAll(fieldVal in ($fieldVal2), $fieldVal2);',
        [v("'val1', 'val2'"), v('$__all', 'fieldVal2')],
      ),
    ).toBe('select stuff from table where fieldVal in ($fieldVal) and 1=1;');

    // Grafana's formats (scenes formatRegistry.ts) and the plugin's format for a variable without one.
    const options = ['a', "O'Brien"].map((x) => ({ value: x, text: x }));
    const s = (current: string | string[]): Variable[] => [{ name: 's', current, options }];
    expect(interpolateVariables(`IN (\${s:singlequote})`, s(['a', "O'Brien"]))).toBe("IN ('a','O\\'Brien')");
    expect(interpolateVariables(`IN (\${s:sqlstring})`, s(["O'Brien"]))).toBe("IN ('O''Brien')");
    expect(interpolateVariables(`IN (\${s:singlequote})`, s([ALL]))).toBe("IN ('a','O\\'Brien')");
    expect(interpolateVariables('IN ($s) = $s', s(['a', 'b']))).toBe("IN ('a','b') = 'a','b'");
    expect(interpolateVariables('= $s', s('a'))).toBe('= a');
    expect(interpolateVariables('$__timeFilter(t) $unknown', s('a'))).toBe('$__timeFilter(t) $unknown');
  });
});

// ─── On the demo's data ──────────────────────────────────────────────────────────────────────────────────

describe('the Grafana dashboard, on the demo data', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-grafana-'));
  const env = { XAPI_ETL_DATA_DIR: dir };
  let ctx: QueryContext;
  let sections: { value: string; text: string }[];
  const allResults = new Map<number, Result>();

  /** `xapi-etl query SQL --format JSON`: one process at a time (chDB holds its data directory). */
  async function query(sql: string): Promise<Result> {
    const r = await runCli(['query', sql, '--format', 'JSON'], { env });
    if (r.status !== 0)
      throw new Error(`xapi-etl query failed (${r.status}):\n${r.stderr}\n--- SQL:\n${sql}`);
    return JSON.parse(r.stdout) as Result;
  }

  /** A variable's options, as the plugin builds them: value from the first column, text from the second. */
  async function options(name: string, variables: Variable[]) {
    const sql = renderQuery(variableSql(name), variables, ctx);
    const result = await query(sql);
    expect(result.meta.length, name).toBeGreaterThanOrEqual(1);
    expect(result.meta.length, name).toBeLessThanOrEqual(2);
    const [value, text = value] = result.meta.map((m) => m.name) as [string, string?];
    for (const m of result.meta) expect(fieldKind(m.type), `${name}: ${m.name}`).toBe('string');
    return result.data.map((row) => ({ value: String(row[value]), text: String(row[text as string]) }));
  }

  /** Runs a panel with these variables, checks what its visualisation reads, returns the result. */
  async function runPanel(p: Panel, variables: Variable[], label: string): Promise<Result> {
    const t = target(p);
    const sql = renderQuery(t.rawSql, variables, ctx);
    expect(sql, `${p.title} (${label}): nothing of Grafana's left for ClickHouse`).not.toMatch(
      /\$\w|\$\{|\[\[/,
    );
    const result = await query(sql);
    const kinds = new Map(result.meta.map((m) => [m.name, fieldKind(m.type)]));
    const what = `${p.title} (${label})`;
    for (const [name, kind] of kinds)
      expect(['number', 'string', 'time'], `${what}: column ${name}`).toContain(kind);
    for (const name of fieldsRead(p)) expect([...kinds.keys()], `${what} reads ${name}`).toContain(name);
    for (const [name, kind] of unitFields(p))
      expect(kinds.get(name), `${what}: ${name} has a unit`).toBe(kind);
    const numbers = [...kinds].filter(([, k]) => k === 'number').map(([n]) => n);
    const times = [...kinds].filter(([, k]) => k === 'time').map(([n]) => n);

    if (p.type === 'timeseries') {
      // sqlds: the time series format turns a long frame (time, string factors, numbers) into wide series,
      // and refuses rows that are not sorted by time (data.LongToWide).
      expect(times, `${what}: one time column`).toHaveLength(1);
      expect(numbers.length, `${what}: a value column`).toBeGreaterThanOrEqual(1);
      for (const [name, kind] of kinds)
        if (name !== times[0]) expect(['number', 'string'], `${what}: ${name}`).toContain(kind);
      const column = result.data.map((row) => String(row[times[0] as string]));
      expect(column, `${what}: sorted by time`).toEqual([...column].sort());
    }
    if (p.type === 'barchart') {
      const x = p.options?.xField as string;
      expect(['string', 'time'], `${what}: x field ${x}`).toContain(kinds.get(x));
      expect(numbers.filter((n) => n !== x).length, `${what}: bars`).toBeGreaterThanOrEqual(1);
    }
    if (p.type === 'trend') {
      // One frame per partition after partitionByValues; the trend panel wants each x column ascending.
      const x = p.options?.xField as string;
      expect(kinds.get(x), `${what}: x field ${x}`).toBe('number');
      const by =
        (p.transformations?.find((tr) => tr.id === 'partitionByValues')?.options.fields as string[]) ?? [];
      const series = new Map<string, number[]>();
      for (const row of result.data) {
        const key = by.map((f) => String(row[f])).join('\u0000');
        series.set(key, [...(series.get(key) ?? []), Number(row[x])]);
      }
      for (const [key, xs] of series)
        expect(xs, `${what}: ${key} ascending`).toEqual([...xs].sort((a, b) => a - b));
    }
    if (p.type === 'stat' || p.type === 'bargauge')
      expect(numbers.length, `${what}: a value`).toBeGreaterThanOrEqual(1);
    const reduce = /^\/\^(\w+)\$\/$/.exec(p.options?.reduceOptions?.fields ?? '')?.[1];
    if (reduce) expect(kinds.get(reduce), `${what}: ${reduce} is reduced`).toBe('number');

    // A filter keeps what it selects: a section column holds only the sections selected, video_id the videos.
    for (const [column, name] of [
      ['section', 'section'],
      ['video_id', 'video'],
    ] as const) {
      const v = variables.find((x) => x.name === name);
      if (!kinds.has(column) || !v || v.current === ALL || (v.current as string[])[0] === ALL) continue;
      const selected = v.current as string[];
      for (const row of result.data) expect(selected, `${what}: ${column}`).toContain(String(row[column]));
    }
    return result;
  }

  /** Some value column has a value other than 0: rows with data, not only rows (WITH FILL, a lone aggregate). */
  const hasData = (r: Result) =>
    r.meta.some(
      (m) =>
        fieldKind(m.type) === 'number' &&
        r.data.some((row) => row[m.name] !== null && Number(row[m.name]) !== 0),
    );
  const sum = (r: Result, column: string) => r.data.reduce((n, row) => n + Number(row[column] ?? 0), 0);
  /** Fewer rows, or less in some value column. */
  const fewer = (r: Result, all: Result) =>
    r.data.length < all.data.length ||
    r.meta.some((m) => fieldKind(m.type) === 'number' && sum(r, m.name) < sum(all, m.name));

  const vars = (section: string[], video: string[], videoOptions: { value: string; text: string }[]) => [
    { name: 'section', current: section, options: sections },
    { name: 'video', current: video, options: videoOptions },
  ];

  beforeAll(async () => {
    const demo = await runCli(['demo', '--report', path.join(dir, 'report.html')], { env });
    expect(demo.status, demo.stdout + demo.stderr).toBe(0);
    // The dashboard's time range: the demo's statements (days in 2024) and its loads (now), a day either side.
    const [range] = (
      await query(`SELECT
          toUnixTimestamp64Milli(least((SELECT min(timestamp) FROM statements), (SELECT min(started_at) FROM ingested_files))) AS lo,
          toUnixTimestamp64Milli(greatest((SELECT max(timestamp) FROM statements), (SELECT max(started_at) FROM ingested_files),
            (SELECT max(rejected_at) FROM rejected_statements))) AS hi`)
    ).data;
    ctx = { from: new Date(Number(range?.lo) - DAY_MS), to: new Date(Number(range?.hi) + DAY_MS) };
    sections = await options('section', []);
  }, 300_000);
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('with every section and video (All): every panel has data, in the columns it reads', async () => {
    expect(sections.length).toBeGreaterThanOrEqual(2);
    const videos = await options('video', vars([ALL], [ALL], []));
    expect(videos.length).toBeGreaterThan(sections.length);
    for (const p of panels) {
      const result = await runPanel(p, vars([ALL], [ALL], videos), 'All');
      expect(result.data.length, `${p.title}: rows`).toBeGreaterThan(0);
      expect(hasData(result), `${p.title}: data`).toBe(true);
      allResults.set(p.id, result);
    }
  });

  it('with one section: every panel keeps that section only, and has less', async () => {
    const one = sections[0]?.value as string;
    const videos = await options('video', vars([one], [ALL], []));
    expect(videos.length).toBeGreaterThan(0);
    for (const v of videos) expect(v.text).toMatch(new RegExp(`\\(section ${one}\\)$`));
    for (const p of panels) {
      const all = allResults.get(p.id);
      if (!all) throw new Error('the All test runs first');
      const result = await runPanel(p, vars([one], [ALL], videos), `section ${one}`);
      expect(result.data.length, `${p.title}: rows`).toBeGreaterThan(0);
      expect(hasData(result), `${p.title}: data`).toBe(true);
      expect(fewer(result, all), `${p.title}: one section has less than all`).toBe(true);
    }
  });

  it('with several sections and several videos (multi-value): every panel runs and keeps them only', async () => {
    const some = sections.slice(1, 3).map((s) => s.value);
    expect(some).toHaveLength(2);
    const videos = await options('video', vars(some, [ALL], []));
    const picked = some.map((s) => videos.find((v) => v.text.endsWith(`(section ${s})`))?.value as string);
    expect(picked.every(Boolean)).toBe(true);
    for (const p of panels) {
      const result = await runPanel(p, vars(some, picked, videos), `sections ${some}, two videos`);
      expect(result.data.length, `${p.title}: rows`).toBeGreaterThan(0);
    }
  });

  it('with one video: every panel over videos keeps that video only, and has less', async () => {
    const videos = await options('video', vars([ALL], [ALL], []));
    const one = videos[0]?.value as string;
    for (const p of panels.filter((x) => uses(x, 'video'))) {
      const all = allResults.get(p.id) as Result;
      const result = await runPanel(p, vars([ALL], [one], videos), `video ${one}`);
      expect(result.data.length, `${p.title}: rows`).toBeGreaterThan(0);
      expect(fewer(result, all), `${p.title}: one video has less than all`).toBe(true);
    }
  });
});
