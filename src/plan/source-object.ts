/** One file version to load: an S3 object, or a local file read by ClickHouse's file(). */
export interface SourceObject {
  kind: 's3' | 'file';
  /** S3 bucket; empty for local files. */
  bucket: string;
  /** S3 key (decoded), or the absolute path of a local file. */
  key: string;
  /** S3 ETag without quotes; for local files `{size}-{mtimeMs}`. Identifies the version in the ledger. */
  etag: string;
  size: number;
}

export function stripEtagQuotes(etag: string | undefined): string {
  return (etag ?? '').replace(/^"+|"+$/g, '');
}

export function describeObject(o: Pick<SourceObject, 'kind' | 'bucket' | 'key'>): string {
  return o.kind === 's3' ? `s3://${o.bucket}/${o.key}` : o.key;
}
