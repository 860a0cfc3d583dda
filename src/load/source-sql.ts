import type { S3Config } from '../config/env.js';
import type { SourceObject } from '../plan/source-object.js';
import type { S3Access } from './s3-access.js';

/**
 * Builds the FROM part of a load: the table functions that let ClickHouse read a batch of files itself.
 * Files are grouped by folder and each folder becomes one s3()/file() call with a brace list of file
 * names, so ClickHouse lists at most that folder; folders are joined with UNION ALL in one INSERT.
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
    if (first.kind === 'file') {
      params[name] = `${folder}${braceList(names)}`;
      branches.push(`SELECT ${VIRTUALS}, line FROM file({${name}:String}, 'LineAsString')`);
      continue;
    }
    if (!options.s3 || !options.access) throw new Error('S3 configuration is required for S3 objects');
    params[name] = objectUrl(options.s3, first.bucket, folder, names.map(encodeKeySegment));
    branches.push(`SELECT ${VIRTUALS}, line FROM ${s3Call(name, options.access, options.cluster)}`);
  }
  return { sql: branches.join('\nUNION ALL\n'), params };
}

function s3Call(urlParam: string, access: S3Access, cluster?: string): string {
  const fn = cluster ? 's3Cluster' : 's3';
  const clusterArg = cluster ? '{cluster_name:String}, ' : '';
  if (access.namedCollection) {
    return `${fn}(${clusterArg}${access.namedCollection}, url = {${urlParam}:String}, format = 'LineAsString')`;
  }
  return `${fn}(${clusterArg}{${urlParam}:String}${access.argsSql}, 'LineAsString')`;
}

function groupByFolder(objects: SourceObject[]): SourceObject[][] {
  const groups = new Map<string, SourceObject[]>();
  for (const o of objects) {
    const id = `${o.kind}\u0000${o.bucket}\u0000${folderOf(o.key)}`;
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

function objectUrl(s3: S3Config, bucket: string, folder: string, encodedNames: string[]): string {
  const encodedFolder = folder.split('/').map(encodeKeySegment).join('/');
  const path = `${encodedFolder}${braceList(encodedNames)}`;
  if (s3.endpoint) return `${s3.endpoint.replace(/\/$/, '')}/${bucket}/${path}`;
  return `https://${bucket}.s3.${s3.region}.amazonaws.com/${path}`;
}
