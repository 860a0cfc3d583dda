import { ConfigError } from '../errors.js';

/**
 * Where xAPI files sit in S3, as a template (XAPI_KEY_LAYOUT): literal text, placeholders, and `*` for any
 * characters but `/`. The default is the brief's layout, `section/{section_id}/{event_type}/*`. One template
 * gives the regular expression that TypeScript (event mode, the bulk planner) and ClickHouse (extractGroups in
 * the load INSERT) both match keys with, so the two never disagree on a key. It is RE2-compatible on purpose.
 */
export const DEFAULT_KEY_LAYOUT = 'section/{section_id}/{event_type}/*';

/** What each placeholder matches. `{timestamp}` is the brief's `2024-01-01T12-00-00.000Z`. */
const PLACEHOLDERS = {
  section_id: '[^/]+',
  event_type: '[^/]+',
  yyyy: '\\d{4}',
  mm: '\\d{2}',
  dd: '\\d{2}',
  hh: '\\d{2}',
  timestamp: '\\d{4}-\\d{2}-\\d{2}T\\d{2}-\\d{2}-\\d{2}(?:\\.\\d{1,3})?Z',
} as const;
export type Placeholder = keyof typeof PLACEHOLDERS;
const DATE_PARTS: ReadonlySet<string> = new Set(['yyyy', 'mm', 'dd']);

/**
 * The time a file name starts with (`2024-01-01T12-00-00.000Z_bundle.jsonl`). In a layout with no date
 * placeholder (the default) a file name that starts with it still dates the file, as v0.1.0 did: the bulk
 * planner's date range, and the time of a statement that carries neither timestamp nor stored.
 */
export const FILE_TIME_PATTERN = '^(\\d{4}-\\d{2}-\\d{2})T(\\d{2})-(\\d{2})-(\\d{2})(?:\\.(\\d{1,3}))?Z';
const fileTime = new RegExp(FILE_TIME_PATTERN);

/**
 * The v0.1.0 layout's expression, with its three groups (section, event type, file name): what
 * src/upgrade/procedures.ts reads v0.1.0's rows by. Loads use the configured layout (compileKeyLayout).
 */
export const KEY_LAYOUT_PATTERN = '(?:^|/)section/([^/]+)/([^/]+)/([^/]+)$';

/** One `/`-separated part of a template. */
export interface LayoutSegment {
  text: string;
  placeholders: Placeholder[];
  /** Matches the whole segment (a folder or file name), anchored. */
  regex: RegExp;
}

export interface KeyLayout {
  template: string;
  /** Matches a key anywhere after a `/` (or at its start); group numbers in `groups`. */
  pattern: string;
  /** The 1-based group of each placeholder present, and of the file name (the last segment). */
  groups: Partial<Record<Placeholder | 'file_name', number>>;
  segments: LayoutSegment[];
  /** The literal folders the template starts with ("section/"; "" when it starts with a placeholder). */
  head: string;
  has(p: Placeholder): boolean;
  /** Whether keys carry a date: `{yyyy}`… or `{timestamp}`. Without one, a file name's leading timestamp. */
  datedBy: 'folders' | 'timestamp' | 'file-name';
  parse(key: string): KeyParts | undefined;
}

export interface KeyParts {
  /** '' when the layout has no `{section_id}` (the section then comes from the statement, if configured). */
  sectionId: string;
  eventType: string;
  fileName: string;
  /** YYYY-MM-DD the key carries, if any. */
  date?: string;
  /** HH the key carries (`{hh}` or `{timestamp}`), if any. */
  hour?: string;
  /** The full time the key encodes (`{timestamp}`, a file name's leading timestamp, or its date folders). */
  fileTime?: Date;
}

export function compileKeyLayout(template: string): KeyLayout {
  const problem = templateProblem(template);
  if (problem)
    throw new ConfigError(`Invalid configuration:\n  XAPI_KEY_LAYOUT: ${problem} (got "${template}")`);
  const texts = template.split('/');
  const groups: KeyLayout['groups'] = {};
  let group = 0;
  const segments: LayoutSegment[] = [];
  const compiled: string[] = [];
  for (const [i, text] of texts.entries()) {
    const last = i === texts.length - 1;
    if (last) groups.file_name = ++group;
    const placeholders: Placeholder[] = [];
    const body = text.replace(/\{([a-z_]+)\}|\*|[^{*]+/g, (token, name: string | undefined) => {
      if (name) {
        placeholders.push(name as Placeholder);
        groups[name as Placeholder] = ++group;
        return `(${PLACEHOLDERS[name as Placeholder]})`;
      }
      return token === '*' ? '[^/]*' : escapeRegex(token);
    });
    compiled.push(last ? `(${body})` : body);
    segments.push({ text, placeholders, regex: new RegExp(`^${ungrouped(text)}$`) });
  }
  const pattern = `(?:^|/)${compiled.join('/')}$`;
  const regex = new RegExp(pattern);
  const firstVariable = segments.findIndex((s) => s.placeholders.length > 0 || s.text.includes('*'));
  const head = segments
    .slice(0, firstVariable)
    .map((s) => `${s.text}/`)
    .join('');
  const present = new Set(segments.flatMap((s) => s.placeholders));
  const datedBy = present.has('yyyy') ? 'folders' : present.has('timestamp') ? 'timestamp' : 'file-name';
  const layout: KeyLayout = {
    template,
    pattern,
    groups,
    segments,
    head,
    datedBy,
    has: (p) => present.has(p),
    parse: (key) => parseWith(regex, groups, datedBy, key),
  };
  return layout;
}

export const defaultKeyLayout = compileKeyLayout(DEFAULT_KEY_LAYOUT);

/** The default layout's reading of a key (the demo, the generator, v0.1.0 keys). */
export function parseKey(key: string): KeyParts | undefined {
  return defaultKeyLayout.parse(key);
}

/** A segment's expression without groups: the planner matches folder names with it. */
export function ungrouped(text: string): string {
  return text.replace(/\{([a-z_]+)\}|\*|[^{*]+/g, (token, name: string | undefined) =>
    name
      ? PLACEHOLDERS[name as Placeholder].replace(/\((?!\?)/g, '(?:')
      : token === '*'
        ? '[^/]*'
        : escapeRegex(token),
  );
}

function templateProblem(template: string): string | undefined {
  if (template.length === 0 || template.length > 512) return 'must be 1 to 512 characters';
  if (template.startsWith('/') || template.endsWith('/')) return 'must not start or end with "/"';
  if (template.split('/').some((s) => s === '' || s === '.' || s === '..'))
    return 'has an empty, "." or ".." folder';
  if (/[\p{Cc}\\]/u.test(template)) return 'must not contain control characters or "\\"';
  const names = [...template.matchAll(/\{([^}]*)\}/g)].map((m) => m[1] as string);
  const unknown = names.find((n) => !(n in PLACEHOLDERS));
  if (unknown !== undefined)
    return `{${unknown}} is not a placeholder (known: ${Object.keys(PLACEHOLDERS)
      .map((p) => `{${p}}`)
      .join(', ')})`;
  if (/[{}]/.test(template.replace(/\{[a-z_]+\}/g, ''))) return 'has an unmatched "{" or "}"';
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) return `{${twice}} appears twice`;
  const dates = names.filter((n) => DATE_PARTS.has(n) || n === 'hh');
  if (dates.length > 0 && !names.includes('yyyy')) return '{mm}, {dd} and {hh} need {yyyy}';
  if (names.includes('dd') && !names.includes('mm')) return '{dd} needs {mm}';
  if (names.includes('hh') && !names.includes('dd')) return '{hh} needs {dd}';
  if (names.includes('timestamp') && names.includes('yyyy'))
    return 'use either {timestamp} or {yyyy}/{mm}/…, not both';
  const last = template.slice(template.lastIndexOf('/') + 1);
  if (last.includes('{section_id}') || last.includes('{event_type}'))
    return 'the file name (after the last "/") cannot hold {section_id} or {event_type}';
  return undefined;
}

function parseWith(
  regex: RegExp,
  groups: KeyLayout['groups'],
  datedBy: KeyLayout['datedBy'],
  key: string,
): KeyParts | undefined {
  if (key.endsWith('/')) return undefined; // a folder marker, not a file
  const match = regex.exec(key);
  if (!match) return undefined;
  const at = (p: Placeholder | 'file_name') => (groups[p] ? (match[groups[p]] ?? '') : '');
  const parts: KeyParts = {
    sectionId: at('section_id'),
    eventType: at('event_type'),
    fileName: at('file_name'),
  };
  const time =
    datedBy === 'folders'
      ? folderTime(at('yyyy'), at('mm'), at('dd'), at('hh'))
      : timeFromName(datedBy === 'timestamp' ? at('timestamp') : parts.fileName);
  if (time) {
    parts.fileTime = time.time;
    if (time.date) parts.date = time.date;
    if (time.hour) parts.hour = time.hour;
  }
  return parts;
}

function folderTime(yyyy: string, mm: string, dd: string, hh: string) {
  const date = dd ? `${yyyy}-${mm}-${dd}` : undefined;
  const time = new Date(`${yyyy}-${mm || '01'}-${dd || '01'}T${hh || '00'}:00:00.000Z`);
  if (Number.isNaN(time.getTime())) return undefined;
  if (date && !time.toISOString().startsWith(date)) return undefined; // 2024-02-30 is no date
  return { time, date, hour: hh || undefined };
}

function timeFromName(name: string) {
  const d = fileTime.exec(name);
  if (!d) return undefined;
  const [, date, hh, mm, ss, ms] = d as unknown as [
    string,
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  const time = new Date(`${date}T${hh}:${mm}:${ss}.${(ms ?? '0').padEnd(3, '0')}Z`);
  if (Number.isNaN(time.getTime()) || !time.toISOString().startsWith(date)) return undefined;
  return { time, date, hour: hh };
}

/** Literal text as a regular expression (RE2 and JavaScript alike). */
export function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
