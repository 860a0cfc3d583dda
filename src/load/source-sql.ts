import type { S3Config } from '../config/env.js';
import { fileFormat } from '../plan/file-format.js';
import type { SourceObject } from '../plan/source-object.js';
import type { S3Access } from './s3-access.js';

/**
 * Builds the FROM part of a load: the table functions that let ClickHouse read a batch of files itself.
 * Files are grouped by folder and each folder becomes one s3()/file() call; folders are joined with
 * UNION ALL in one INSERT. A folder's files are named by a brace list, or, for many S3 objects, by the
 * prefix their names share followed by `*` (see namePattern).
 */
export interface SourceSql {
  /** A subquery yielding: src_path, src_etag, src_size, src_time, src_row, line. */
  sql: string;
  params: Record<string, string>;
}

const VIRTUALS =
  '_path AS src_path, _etag AS src_etag, _size AS src_size, _time AS src_time, _row_number AS src_row';

export function buildSourceSql(
  objects: SourceObject[],
  options: { s3?: S3Config; access?: S3Access; cluster?: string },
): SourceSql {
  const params: Record<string, string> = { ...(options.access?.params ?? {}) };
  const branches: string[] = [];
  for (const group of groupByFolder(objects)) {
    const first = group[0] as SourceObject;
    const folder = folderOf(first.key);
    const name = `src_${branches.length}`;
    const names = group.map((o) => baseName(o.key));
    const format = isJsonDocument(first.key) ? 'RawBLOB' : 'LineAsString';
    // Named only when the content said it (a name without extension); otherwise ClickHouse goes by the extension.
    const explicit = first.compression
      ? { structure: format === 'RawBLOB' ? 'raw_blob String' : 'line String', method: first.compression }
      : undefined;
    let table: string;
    if (first.kind === 'file') {
      params[name] = `${folder}${braceList(names)}`;
      const args = explicit ? `, '${explicit.structure}', '${explicit.method}'` : '';
      table = `file({${name}:String}, '${format}'${args})`;
    } else {
      if (!options.s3 || !options.access) throw new Error('S3 configuration is required for S3 objects');
      params[name] = objectUrl(options.s3, first.bucket, folder, names);
      table = s3Call(name, options.access, format, explicit, options.cluster);
    }
    branches.push(format === 'RawBLOB' ? documentBranch(table) : `SELECT ${VIRTUALS}, line FROM ${table}`);
  }
  return { sql: branches.join('\nUNION ALL\n'), params };
}

/**
 * Documents (`.json`, and names without extension such as Firehose's) are read whole (RawBLOB) and split here
 * into records, each a "line" whose line_number is its 1-based position in the file:
 *   - one valid JSON document: the elements of an array, the `statements` of an LRS result page
 *     (`{"statements": [...], "more": …}`), or the object itself (one record);
 *   - otherwise JSON lines, where a line holding objects concatenated with no separator (Firehose without a
 *     newline delimiter) is split between them: at each `}` `{` (blanks between allowed) a cut is tried, and a piece
 *     that is not valid JSON on its own is joined with the pieces after it that are not either (a `}{` inside a
 *     string). Records are numbered in file order across lines.
 * Nothing is dropped: text that is no record is a record of its own, rejected with its position; an empty array or
 * page is one record (`not_an_object` / `not_a_statement`), so every file accounts for at least one row.
 */
export function isJsonDocument(key: string): boolean {
  return fileFormat(key)?.kind === 'document';
}

/** \x1E (ASCII record separator) cannot occur inside a JSON string unescaped: a safe place to cut. */
const SPLIT_CONCATENATED = `arrayMap(pieces -> arrayMap(run -> trimBoth(arrayStringConcat(run)), arraySplit((p, starts) -> starts,
                pieces,
                arrayMap((p, i) -> i = 1 OR isValidJSON(p) OR isValidJSON(pieces[i - 1]), pieces, arrayEnumerate(pieces)))),
            [splitByChar('\\x1E', replaceRegexpAll(l, '}(\\\\s*){', '}\\\\1\\x1E{'))])[1]`;

function documentBranch(table: string): string {
  return `SELECT src_path, src_etag, src_size, src_time, toUInt64(item_no - 1) AS src_row, item AS line
FROM (
    SELECT ${VIRTUALS.replace(', _row_number AS src_row', '')},
        trimBoth(replaceRegexpOne(raw_blob, '^\\xEF\\xBB\\xBF', '')) AS doc,
        isValidJSON(doc) AS whole,
        multiIf(whole AND startsWith(doc, '[') AND JSONLength(doc) > 0, JSONExtractArrayRaw(doc),
            whole AND JSONType(doc, 'statements') = 'Array' AND JSONLength(doc, 'statements') > 0,
                JSONExtractArrayRaw(doc, 'statements'),
            whole, [doc],
            arrayFlatten(arrayMap(l -> if(isValidJSON(l), [l], ${SPLIT_CONCATENATED}),
                splitByChar('\\n', replaceRegexpOne(raw_blob, '\\r?\\n$', ''))))) AS items
    FROM ${table}
)
ARRAY JOIN items AS item, arrayEnumerate(items) AS item_no`;
}

/** A compression named in the call (values from a fixed set: src/plan/file-format.ts), with the structure it needs. */
interface ExplicitCompression {
  structure: string;
  method: string;
}

function s3Call(
  urlParam: string,
  access: S3Access,
  format: string,
  explicit: ExplicitCompression | undefined,
  cluster?: string,
): string {
  const fn = cluster ? 's3Cluster' : 's3';
  const clusterArg = cluster ? '{cluster_name:String}, ' : '';
  if (access.namedCollection) {
    const named = explicit
      ? `, structure = '${explicit.structure}', compression_method = '${explicit.method}'`
      : '';
    return `${fn}(${clusterArg}${access.namedCollection}, url = {${urlParam}:String}, format = '${format}'${named})`;
  }
  const positional = explicit ? `, '${explicit.structure}', '${explicit.method}'` : '';
  return `${fn}(${clusterArg}{${urlParam}:String}${access.argsSql}, '${format}'${positional}${access.trailingSql ?? ''})`;
}

function groupByFolder(objects: SourceObject[]): SourceObject[][] {
  const groups = new Map<string, SourceObject[]>();
  for (const o of objects) {
    const id = `${o.kind}\u0000${o.bucket}\u0000${folderOf(o.key)}\u0000${isJsonDocument(o.key)}\u0000${o.compression}`;
    const list = groups.get(id) ?? [];
    list.push(o);
    groups.set(id, list);
  }
  return [...groups.values()];
}

function folderOf(key: string): string {
  return key.slice(0, key.lastIndexOf('/') + 1);
}

function baseName(key: string): string {
  return key.slice(key.lastIndexOf('/') + 1);
}

function braceList(names: string[]): string {
  return names.length === 1 ? (names[0] as string) : `{${names.join(',')}}`;
}

/**
 * Writes one key segment for an s3() URL. ClickHouse turns globs into a regular expression without
 * escaping it, and has no escape for `{ } ,`: a segment with anything beyond [A-Za-z0-9._-] has each such
 * character replaced by the one-character wildcard `?`. The wildcard may also match a neighbour's name;
 * the INSERT keeps only planned keys (see insert-sql.ts), so nothing else is loaded.
 */
export function encodeKeySegment(segment: string): string {
  return [...segment].map((c) => (SAFE_CHARACTER.test(c) ? c : '?')).join('');
}

const SAFE_CHARACTER = /^[A-Za-z0-9._-]$/;

/**
 * From this many objects of one folder on, the URL names them `<shared name prefix>*` instead of a brace
 * list. ClickHouse resolves each name of a brace list with a request of its own before reading it; a
 * glob is resolved by listing (1,000 keys a request). The listing starts at the shared prefix, and the
 * INSERT's filter on the planned keys is applied to the listed keys before any is read, so objects
 * outside the batch cost a listing entry, never a read. Measured on s3rver: 1,000 objects of ~10 KB read
 * in ~1.5 s by brace list, ~0.5 s by glob (bench/notes.md, "Many small files").
 */
export const GLOB_MIN_OBJECTS = 100;

function namePattern(names: string[]): string {
  const encoded = names.map(encodeKeySegment);
  if (names.length < GLOB_MIN_OBJECTS) return braceList(encoded);
  return `${sharedPrefix(encoded).replace(/\?.*$/, '')}*`;
}

function sharedPrefix(names: string[]): string {
  let prefix = names[0] ?? '';
  for (const n of names) while (!n.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}

function objectUrl(s3: S3Config, bucket: string, folder: string, names: string[]): string {
  const encodedFolder = folder.split('/').map(encodeKeySegment).join('/');
  const path = `${encodedFolder}${namePattern(names)}`;
  if (s3.endpoint) return `${s3.endpoint.replace(/\/$/, '')}/${bucket}/${path}`;
  return `https://${bucket}.s3.${s3.region}.amazonaws.com/${path}`;
}
