/**
 * A file version is (bucket, key, ETag): the ledger's and the claims' key. Its identity in maps and sets,
 * and the one way a query names a list of versions.
 */
interface FileVersion {
  bucket: string;
  key: string;
  etag: string;
}

export function versionId(o: FileVersion): string {
  return `${o.bucket}\u0000${o.key}\u0000${o.etag}`;
}

/**
 * `WHERE (bucket, key, etag) IN ${VERSIONS}`, with `versionParams(objects)` among the query's parameters. Plain
 * arrays, not TupleParam: with the Lambda bundle and the embedded engine, chDB's connection formats parameters
 * with its own copy of @clickhouse/client-common, to which the bundled TupleParam class is a foreign object
 * (`instanceof` fails and the tuple is sent as a map).
 */
export const VERSIONS =
  '(SELECT arrayJoin(arrayZip({buckets:Array(String)}, {keys:Array(String)}, {etags:Array(String)})))';

export function versionParams(objects: FileVersion[]): {
  buckets: string[];
  keys: string[];
  etags: string[];
} {
  return {
    buckets: objects.map((o) => o.bucket),
    keys: objects.map((o) => o.key),
    etags: objects.map((o) => o.etag),
  };
}
