import type { S3Client } from '@aws-sdk/client-s3';
import { mapLimited } from '../concurrency.js';
import { InputError } from '../errors.js';
import { isBundleKey } from './file-format.js';
import {
  defaultKeyLayout,
  escapeRegex,
  type KeyLayout,
  type LayoutSegment,
  ungrouped,
} from './key-layout.js';
import { listFolders } from './s3-folders.js';
import { listObjects } from './s3-objects.js';
import type { SourceObject } from './source-object.js';

/**
 * Plans a backfill from the key layout (XAPI_KEY_LAYOUT), listing only the prefixes the request needs. Going down
 * the template folder by folder:
 *   - literal folders are appended; `{section_id}` becomes each requested section; a run of date folders
 *     (`{yyyy}/{mm}/{dd}`, or `dt={yyyy}-{mm}-{dd}`) becomes each day of the date range: no listing for any of these;
 *   - other folders (`{event_type}`, `*`, `{hh}`, a section not asked for) are listed (S3 common prefixes) where a
 *     later folder can still be narrowed, else everything under the prefix is listed at once (one listing per day
 *     for an hourly layout);
 *   - a file name that starts with the brief's timestamp (the default layout) is listed from the start date (S3
 *     StartAfter) and the listing stops at the first key past the end date.
 * A 40-day backfill over years of history lists 40 days, not years, in every layout that dates its keys.
 */
export interface BulkPlanRequest {
  bucket: string;
  /** Default: the default layout. */
  layout?: KeyLayout;
  /** Where the layout starts, ending with its literal head (default: the head itself, e.g. "section/"). */
  prefix?: string;
  /** Sections to load; undefined means every section. Narrows the listing only where the key has the section. */
  sections?: string[];
  /** Inclusive YYYY-MM-DD bounds on the date in the key. */
  startDate?: string;
  endDate?: string;
  /** Only keys after this one (a continuation's cursor). */
  afterKey?: string;
}

export interface SectionDay {
  /** '' when the section is in the statement, not the key. */
  section_id: string;
  /** null for files whose key carries no date (only planned when no date range is given). */
  date: string | null;
  files: number;
  bytes: number;
}

export interface BulkPlan {
  /** Sorted by key: the order files are loaded in, and what the continuation cursor refers to. */
  objects: SourceObject[];
  files: number;
  bytes: number;
  by_section_day: SectionDay[];
}

const LIST_CONCURRENCY = 8;
const DATE_PARTS = new Set(['yyyy', 'mm', 'dd']);
/** A date range enumerated into more day folders than this (27 years) is refused: narrow it. */
const MAX_DAYS = 10_000;

export async function planBulk(s3: S3Client, req: BulkPlanRequest): Promise<BulkPlan> {
  const layout = req.layout ?? defaultKeyLayout;
  const root = req.prefix ?? layout.head;
  if (!root.endsWith(layout.head)) {
    throw new InputError(
      `s3_prefix "${root}" must end with the folders the key layout starts with, "${layout.head}" (XAPI_KEY_LAYOUT=${layout.template})`,
    );
  }
  const headFolders = layout.head.split('/').length - 1;
  const planner = new Planner(s3, req, layout, layout.segments.slice(headFolders), root);
  const objects = (await planner.expand(root, 0)).sort((a, b) =>
    a.key < b.key ? -1 : a.key > b.key ? 1 : 0,
  );
  return { objects, ...summarize(objects, layout) };
}

class Planner {
  private readonly keyRegex: RegExp;
  private readonly sections?: Set<string>;
  private readonly ranged: boolean;
  /** Both bounds given: date folders are named day by day (one bound: they are listed, and keys filtered). */
  private readonly dayByDay: boolean;

  constructor(
    private readonly s3: S3Client,
    private readonly req: BulkPlanRequest,
    private readonly layout: KeyLayout,
    private readonly segments: LayoutSegment[],
    root: string,
  ) {
    this.keyRegex = new RegExp(`^${escapeRegex(root)}${segments.map((s) => ungrouped(s.text)).join('/')}$`);
    if (req.sections && layout.has('section_id')) {
      const slash = req.sections.find((s) => s.includes('/'));
      if (slash !== undefined)
        throw new InputError(`section_id "${slash}": a section in the key cannot hold "/"`);
      this.sections = new Set(req.sections);
    }
    this.ranged = Boolean(req.startDate || req.endDate);
    this.dayByDay = Boolean(req.startDate && req.endDate);
  }

  async expand(prefix: string, index: number): Promise<SourceObject[]> {
    if (this.beforeCursor(prefix)) return [];
    const segment = this.segments[index] as LayoutSegment;
    if (index === this.segments.length - 1) return this.listFiles(prefix, segment);
    if (segment.placeholders.length === 0 && !segment.text.includes('*'))
      return this.expand(`${prefix}${segment.text}/`, index + 1);
    const named = this.namedFolders(segment, index);
    if (named)
      return this.expandAll(
        named.folders.map((f) => `${prefix}${f}/`),
        named.next,
      );
    if (!this.narrowsLater(index)) return this.listAll(prefix);
    const folders = (await listFolders(this.s3, this.req.bucket, prefix)).filter((f) =>
      segment.regex.test(f.slice(prefix.length, -1)),
    );
    return this.expandAll(folders, index + 1);
  }

  private async expandAll(prefixes: string[], index: number): Promise<SourceObject[]> {
    return (await mapLimited(prefixes, LIST_CONCURRENCY, (p) => this.expand(p, index))).flat();
  }

  /** Folders this segment (and the date folders after it) become without a listing, or undefined. */
  private namedFolders(
    segment: LayoutSegment,
    index: number,
  ): { folders: string[]; next: number } | undefined {
    if (
      this.sections &&
      segment.placeholders.every((p) => p === 'section_id') &&
      segment.placeholders.length
    ) {
      const folders = [...this.sections].map((s) => segment.text.replace('{section_id}', s));
      return { folders, next: index + 1 };
    }
    if (this.dayByDay && isDateSegment(segment)) {
      let end = index;
      while (end + 1 < this.segments.length - 1 && isDateSegment(this.segments[end + 1] as LayoutSegment))
        end += 1;
      const texts = this.segments.slice(index, end + 1).map((s) => s.text);
      const folders = new Set(this.days().map((day) => texts.map((t) => renderDate(t, day)).join('/')));
      return { folders: [...folders], next: end + 1 };
    }
    return undefined;
  }

  /** Whether a segment from `index` on can still be named or windowed (else one listing takes everything below). */
  private narrowsLater(index: number): boolean {
    for (let i = index; i < this.segments.length; i += 1) {
      const s = this.segments[i] as LayoutSegment;
      if (i === this.segments.length - 1) return this.windowed(s);
      if (this.sections && s.placeholders.includes('section_id')) return true;
      if (this.dayByDay && isDateSegment(s)) return true;
    }
    return false;
  }

  /** A file name that starts with the time its key is dated by sorts by it: list it from the start date. */
  private windowed(segment: LayoutSegment): boolean {
    if (!this.ranged) return false;
    if (this.layout.datedBy === 'file-name') return true;
    return this.layout.datedBy === 'timestamp' && segment.text.startsWith('{timestamp}');
  }

  private async listFiles(prefix: string, segment: LayoutSegment): Promise<SourceObject[]> {
    if (!this.windowed(segment)) return this.listAll(prefix);
    const out: SourceObject[] = [];
    const from = this.req.startDate ? `${prefix}${this.req.startDate}` : undefined;
    for await (const o of listObjects(this.s3, this.req.bucket, prefix, this.startAfter(prefix, from))) {
      const date = this.layout.parse(o.key)?.date;
      if (date && this.req.endDate && date > this.req.endDate) break; // sorted by time: nothing later matches
      if (this.wanted(o)) out.push(o);
    }
    return out;
  }

  private async listAll(prefix: string): Promise<SourceObject[]> {
    const out: SourceObject[] = [];
    for await (const o of listObjects(this.s3, this.req.bucket, prefix, this.startAfter(prefix)))
      if (this.wanted(o)) out.push(o);
    return out;
  }

  private wanted(o: SourceObject): boolean {
    if (this.req.afterKey !== undefined && o.key <= this.req.afterKey) return false;
    if (!this.keyRegex.test(o.key) || !isBundleKey(o.key)) return false;
    const parts = this.layout.parse(o.key);
    if (!parts) return false;
    if (this.sections && !this.sections.has(parts.sectionId)) return false;
    if (!this.ranged) return true;
    if (!parts.date) return false;
    return (
      !(this.req.startDate && parts.date < this.req.startDate) &&
      !(this.req.endDate && parts.date > this.req.endDate)
    );
  }

  /** Where a listing of `prefix` starts: after the continuation's cursor, if that is inside it. */
  private startAfter(prefix: string, from?: string): string | undefined {
    const after = this.req.afterKey;
    if (after?.startsWith(prefix) && (!from || after > from)) return after;
    return from;
  }

  /** Every key under `prefix` sorts before the cursor: nothing to list. */
  private beforeCursor(prefix: string): boolean {
    const after = this.req.afterKey;
    return after !== undefined && !after.startsWith(prefix) && after > prefix;
  }

  private days(): string[] {
    const { startDate = '', endDate = '' } = this.req;
    const out: string[] = [];
    for (
      let t = Date.parse(`${startDate}T00:00:00Z`);
      t <= Date.parse(`${endDate}T00:00:00Z`);
      t += 86_400_000
    ) {
      out.push(new Date(t).toISOString().slice(0, 10));
      if (out.length > MAX_DAYS)
        throw new InputError(`the date range spans more than ${MAX_DAYS} days: narrow it`);
    }
    return out;
  }
}

function isDateSegment(s: LayoutSegment): boolean {
  return s.placeholders.length > 0 && s.placeholders.every((p) => DATE_PARTS.has(p)) && !s.text.includes('*');
}

function renderDate(text: string, day: string): string {
  return text
    .replace('{yyyy}', day.slice(0, 4))
    .replace('{mm}', day.slice(5, 7))
    .replace('{dd}', day.slice(8, 10));
}

export function summarize(
  objects: SourceObject[],
  layout: KeyLayout = defaultKeyLayout,
): Omit<BulkPlan, 'objects'> {
  const days = new Map<string, SectionDay>();
  let bytes = 0;
  for (const o of objects) {
    const parts = layout.parse(o.key);
    const section = parts?.sectionId ?? '';
    const date = parts?.date ?? null;
    const id = `${section}\u0000${date}`;
    const day = days.get(id) ?? { section_id: section, date, files: 0, bytes: 0 };
    day.files += 1;
    day.bytes += o.size;
    days.set(id, day);
    bytes += o.size;
  }
  const by_section_day = [...days.values()].sort(
    (a, b) => a.section_id.localeCompare(b.section_id) || String(a.date).localeCompare(String(b.date)),
  );
  return { files: objects.length, bytes, by_section_day };
}
