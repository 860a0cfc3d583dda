/**
 * A JSON Pointer (RFC 6901) as the path ClickHouse's JSONExtract* functions take: object keys as strings,
 * array indexes (a segment of digits) as 1-based integers. `/context/contextActivities/parent/0/id` →
 * ['context', 'contextActivities', 'parent', 1, 'id']. Each is passed as a query parameter, never as SQL text.
 */
export type PointerPath = (string | number)[];

export function parseJsonPointer(pointer: string): PointerPath | string {
  if (pointer === '') return 'must point into the statement (e.g. /context/contextActivities/parent/0/id)';
  if (!pointer.startsWith('/')) return 'must start with "/" (RFC 6901)';
  const segments = pointer.slice(1).split('/');
  if (segments.length > 32) return 'has more than 32 segments';
  if (/~[^01]|~$/.test(pointer)) return 'has a "~" not followed by 0 or 1 (RFC 6901: ~0 is "~", ~1 is "/")';
  return segments.map((s) =>
    /^(0|[1-9]\d{0,8})$/.test(s) ? Number(s) + 1 : s.replace(/~1/g, '/').replace(/~0/g, '~'),
  );
}
