/**
 * The S3 key layout learning platforms write: section/{section_id}/{event_type}/{ISO-timestamp}_bundle.jsonl
 * e.g. section/123/video/2024-01-01T12-00-00.000Z_bundle.jsonl. The same regular expression runs in
 * ClickHouse (extractGroups in the INSERT) so that TypeScript and SQL never disagree on a key.
 * It is RE2-compatible on purpose.
 */
export const KEY_LAYOUT_PATTERN = '(?:^|/)section/([^/]+)/([^/]+)/([^/]+)$';
const keyLayout = new RegExp(KEY_LAYOUT_PATTERN);
/**
 * The time a bundle's file name starts with (`2024-01-01T12-00-00.000Z_bundle.jsonl`). The load uses it,
 * in SQL, as the time of a statement that carries neither timestamp nor stored: unlike the object's
 * upload time it is the same every time the file is loaded.
 */
export const FILE_TIME_PATTERN = '^(\\d{4}-\\d{2}-\\d{2})T(\\d{2})-(\\d{2})-(\\d{2})(?:\\.(\\d{1,3}))?Z';
const fileDate = new RegExp(FILE_TIME_PATTERN);

/** Section ids are user-controlled: only plain identifiers are accepted in payloads and keys we plan. */
export const SECTION_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** File extensions ClickHouse reads as JSON lines (compression is detected from the extension). */
export const BUNDLE_EXTENSIONS = [
  '.jsonl',
  '.ndjson',
  '.json',
  '.jsonl.gz',
  '.ndjson.gz',
  '.jsonl.zst',
  '.jsonl.zstd',
];

export interface KeyParts {
  sectionId: string;
  eventType: string;
  fileName: string;
  /** YYYY-MM-DD from the file name, when it starts with the ISO timestamp. */
  date?: string;
  /** The full timestamp the file name encodes. */
  fileTime?: Date;
}

export function parseKey(key: string): KeyParts | undefined {
  const match = keyLayout.exec(key);
  if (!match) return undefined;
  const [, sectionId, eventType, fileName] = match as unknown as [string, string, string, string];
  const parts: KeyParts = { sectionId, eventType, fileName };
  const d = fileDate.exec(fileName);
  if (d) {
    const [, date, hh, mm, ss, ms] = d as unknown as [
      string,
      string,
      string,
      string,
      string,
      string | undefined,
    ];
    const time = new Date(`${date}T${hh}:${mm}:${ss}.${(ms ?? '0').padEnd(3, '0')}Z`);
    if (!Number.isNaN(time.getTime())) {
      parts.date = date;
      parts.fileTime = time;
    }
  }
  return parts;
}

export function isBundleKey(key: string): boolean {
  const lower = key.toLowerCase();
  return BUNDLE_EXTENSIONS.some((ext) => lower.endsWith(ext));
}
