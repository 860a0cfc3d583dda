import { createHash } from 'node:crypto';
import type { Compression } from './file-format.js';

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
  /**
   * How ClickHouse decompresses it, when its name does not say (no extension): read from its first bytes before
   * the load (src/plan/sniff-compression.ts). Unset: by the extension.
   */
  compression?: Compression;
  /**
   * Set when only some sections of the file are loaded (`--section` with a layout whose section is in the
   * statement): `etag` is then the ledger's version tag for that scope (`<ETag>#sections=<hash>`, so that the
   * file's other sections stay to load) and this is the object's own ETag, which the load pins.
   */
  s3Etag?: string;
}

/** The object's own ETag (what S3 and ClickHouse's _etag say). */
export function objectEtag(o: SourceObject): string {
  return o.s3Etag ?? o.etag;
}

/** The same file version, to be loaded for these sections only. */
export function scopedToSections(o: SourceObject, sections: string[]): SourceObject {
  const hash = createHash('sha256')
    .update([...new Set(sections)].sort().join('\u0000'))
    .digest('hex')
    .slice(0, 16);
  return { ...o, etag: `${objectEtag(o)}#sections=${hash}`, s3Etag: objectEtag(o) };
}

export function stripEtagQuotes(etag: string | undefined): string {
  return (etag ?? '').replace(/^"+|"+$/g, '');
}

export function describeObject(o: Pick<SourceObject, 'kind' | 'bucket' | 'key'>): string {
  return o.kind === 's3' ? `s3://${o.bucket}/${o.key}` : o.key;
}
