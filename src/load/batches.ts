import type { SourceObject } from '../plan/source-object.js';

/**
 * Splits files into few, large batches: one INSERT each, bounded by bytes and file count so a batch
 * neither runs for hours nor builds a URL list ClickHouse would choke on. A batch holds one bucket.
 */
export function planBatches(
  objects: SourceObject[],
  limits: { maxBytes: number; maxFiles: number },
): SourceObject[][] {
  const batches: SourceObject[][] = [];
  const byBucket = new Map<string, SourceObject[]>();
  for (const o of objects) {
    const id = `${o.kind}:${o.bucket}`;
    const group = byBucket.get(id);
    if (group) group.push(o);
    else byBucket.set(id, [o]);
  }
  for (const group of byBucket.values()) {
    let current: SourceObject[] = [];
    let bytes = 0;
    for (const o of group) {
      if (current.length > 0 && (bytes + o.size > limits.maxBytes || current.length >= limits.maxFiles)) {
        batches.push(current);
        current = [];
        bytes = 0;
      }
      current.push(o);
      bytes += o.size;
    }
    if (current.length > 0) batches.push(current);
  }
  return batches;
}
