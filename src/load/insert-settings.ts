import type { ClickHouseClient } from '@clickhouse/client';
import { baseClient } from '../engine/with-abort-signal.js';

/**
 * Settings of the load INSERT that decide how fast the parse views run (measured in BENCHMARKS.md; bench/notes.md has the table).
 *
 * The INSERT writes into a Null table; its materialized views do all the work, once per block that
 * reaches them. Two things ClickHouse does by default make that slow:
 * - the rows are squashed into blocks of up to ~1M rows / 256 MiB before the views, and each view is
 *   planned again for every block: one big block runs the whole parse on ONE core;
 * - a Null table is written by one stream unless `parallel_view_processing` lets the views run in
 *   `max_insert_threads` streams.
 * So: as many streams as the engine has threads, and blocks sized so that each stream gets about one
 * (a block costs a plan of the view chain, ~0.2 s, so many small blocks are slow too).
 */
export interface InsertShape {
  /** Bytes the batch reads (object sizes; compressed objects expand, which only adds blocks). */
  batchBytes: number;
  files: number;
  threads: number;
  /** Strict loads parse every field of a statement: their blocks are kept small (see below). */
  validation?: 'lenient' | 'strict';
}

const MIB = 1024 * 1024;
/**
 * Objects read at once. Reading a small object is a round trip, not CPU: with only `threads` readers
 * a batch of 1,000 small bundles waits on 1,000 sequential GETs per core.
 */
const MAX_READERS = 16;
const MIN_BLOCK_BYTES = 32 * MIB;
const MAX_BLOCK_BYTES = 256 * MIB;
/**
 * The strict view holds a statement's whole parse (every object, its keys and JSON types) while it checks
 * it: per byte of input it needs ~3.4× the lenient view's memory (measured: 6.7 GB peak for 200,000 lines in
 * blocks of ~100 MiB). Blocks of at most this size keep a strict load's memory bounded whatever the batch.
 */
const MAX_STRICT_BLOCK_BYTES = 32 * MIB;

export function insertSettings(shape: InsertShape): Record<string, string | number> {
  const threads = Math.max(1, shape.threads);
  // In memory a line costs its bytes plus the row's other columns (~15 % on ~1 KB statements): a
  // margin so a batch splits into `threads` blocks rather than `threads` plus a small remainder.
  const perStream = Math.ceil((shape.batchBytes * 1.15) / threads);
  const max = shape.validation === 'strict' ? MAX_STRICT_BLOCK_BYTES : MAX_BLOCK_BYTES;
  const blockBytes = Math.min(max, Math.max(Math.min(MIN_BLOCK_BYTES, max), perStream));
  return {
    max_threads: Math.max(threads, Math.min(shape.files, MAX_READERS)),
    max_insert_threads: threads,
    parallel_view_processing: 1,
    min_insert_block_size_rows: 0,
    min_insert_block_size_bytes: blockBytes,
    // The target tables are Replacing/SummingMergeTree: merging rows inside each new part at insert
    // time costs a third of the statements write and buys nothing (reads use FINAL or the _active views).
    optimize_on_insert: 0,
    // The raw tables are partitioned by month: a file may span any number of them (a 12-year LRS export is
    // 144), and ClickHouse refuses more than 100 in one block by default.
    max_partitions_per_insert_block: '0',
  };
}

const threadsByClient = new WeakMap<ClickHouseClient, Promise<number>>();

/**
 * The engine's own thread count (`max_threads` resolves to its cores), asked once per client. An
 * explicit XAPI_INSERT_THREADS wins (a shared server may want fewer). A failed question is forgotten, never
 * kept: one timeout at a Lambda's cold start must not fail every later invocation of that container.
 */
export function engineThreads(client: ClickHouseClient, configured: number | undefined): Promise<number> {
  if (configured) return Promise.resolve(configured);
  const key = baseClient(client);
  let threads = threadsByClient.get(key);
  if (!threads) {
    const asked = client
      .query({ query: "SELECT toUInt32(getSetting('max_threads')) AS n", format: 'JSONEachRow' })
      .then((rs) => rs.json<{ n: number | string }>())
      .then((rows) => Math.max(1, Number(rows[0]?.n ?? 1)));
    threads = asked.catch((error: unknown) => {
      if (threadsByClient.get(key) === threads) threadsByClient.delete(key);
      throw error;
    });
    threadsByClient.set(key, threads);
  }
  return threads;
}
