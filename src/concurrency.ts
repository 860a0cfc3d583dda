/**
 * Runs fn over items with at most `limit` calls in flight (S3 HEADs and listings, claim INSERTs):
 * enough to hide round trips without flooding the service. Results keep the items' order.
 */
export async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i] as T);
      }
    }),
  );
  return out;
}

/** mapLimited for calls whose results are not needed. */
export async function forEachLimited<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<unknown>,
): Promise<void> {
  await mapLimited(items, limit, fn);
}
