/** A file version's identity in maps and sets: bucket, key and ETag (the ledger's and the claims' key). */
export function versionId(o: { bucket: string; key: string; etag: string }): string {
  return `${o.bucket}\u0000${o.key}\u0000${o.etag}`;
}
