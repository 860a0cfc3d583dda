import type { S3Client } from '@aws-sdk/client-s3';
import { mapLimited } from '../concurrency.js';
import { isBundleKey, parseKey } from './key-layout.js';
import { listFolders } from './s3-folders.js';
import { listObjects } from './s3-objects.js';
import type { SourceObject } from './source-object.js';

/**
 * Plans a backfill from the key layout section/{section_id}/{event_type}/{ISO-timestamp}_bundle.jsonl.
 * Within an event-type folder keys sort by their timestamp, so each folder is listed only from the
 * start date (S3 StartAfter) and the listing stops at the first key past the end date: a 40-day
 * backfill over years of history lists 40 days, not years.
 */
export interface BulkPlanRequest {
  bucket: string;
  /** Where section folders live, ending with "/" (default "section/"). */
  prefix: string;
  /** Sections to load; undefined means every section folder under the prefix. */
  sections?: string[];
  /** Inclusive YYYY-MM-DD bounds on the date in the file name. */
  startDate?: string;
  endDate?: string;
  /** Only keys after this one (a continuation's cursor). */
  afterKey?: string;
}

export interface SectionDay {
  section_id: string;
  /** null for files whose name carries no date (only planned when no date range is given). */
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

export async function planBulk(s3: S3Client, req: BulkPlanRequest): Promise<BulkPlan> {
  const sectionPrefixes = req.sections
    ? req.sections.map((s) => `${req.prefix}${s}/`)
    : await listFolders(s3, req.bucket, req.prefix);
  const typePrefixes = (
    await mapLimited(sectionPrefixes, LIST_CONCURRENCY, (p) => listFolders(s3, req.bucket, p))
  ).flat();
  const lists = await mapLimited(typePrefixes, LIST_CONCURRENCY, (p) => listWindow(s3, req, p));
  const objects = lists.flat().sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { objects, ...summarize(objects) };
}

async function listWindow(s3: S3Client, req: BulkPlanRequest, typePrefix: string): Promise<SourceObject[]> {
  const out: SourceObject[] = [];
  let startAfter = req.startDate ? `${typePrefix}${req.startDate}` : undefined;
  if (req.afterKey?.startsWith(typePrefix) && (!startAfter || req.afterKey > startAfter)) {
    startAfter = req.afterKey;
  }
  for await (const o of listObjects(s3, req.bucket, typePrefix, startAfter)) {
    if (req.afterKey !== undefined && o.key <= req.afterKey) continue;
    const parts = parseKey(o.key);
    if (!parts || !isBundleKey(o.key)) continue;
    if (`${typePrefix}${parts.fileName}` !== o.key) continue; // deeper folders are not the layout
    if (req.startDate || req.endDate) {
      if (!parts.date) continue;
      if (req.endDate && parts.date > req.endDate) break; // sorted by timestamp: nothing later matches
      if (req.startDate && parts.date < req.startDate) continue;
    }
    out.push(o);
  }
  return out;
}

export function summarize(objects: SourceObject[]): Omit<BulkPlan, 'objects'> {
  const days = new Map<string, SectionDay>();
  let bytes = 0;
  for (const o of objects) {
    const parts = parseKey(o.key);
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
