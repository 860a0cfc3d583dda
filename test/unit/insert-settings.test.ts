import { describe, expect, it } from 'vitest';
import { insertSettings } from '../../src/load/insert-settings.js';

const MIB = 1024 * 1024;

describe('insertSettings: the load INSERT runs the parse views in parallel streams', () => {
  it('splits a large batch into one block per stream (views are planned once per block)', () => {
    const s = insertSettings({ batchBytes: 200 * MIB, files: 1, threads: 2 });
    expect(s.max_insert_threads).toBe(2);
    expect(s.parallel_view_processing).toBe(1);
    expect(s.min_insert_block_size_rows).toBe(0);
    // 200 MiB over 2 streams, with the margin for the row's other columns: 115 MiB a block.
    expect(s.min_insert_block_size_bytes).toBe(Math.ceil((200 * MIB * 1.15) / 2));
    expect(s.optimize_on_insert).toBe(0);
  });

  it('keeps blocks between 32 MiB and 256 MiB', () => {
    expect(insertSettings({ batchBytes: 1000, files: 1, threads: 2 }).min_insert_block_size_bytes).toBe(
      32 * MIB,
    );
    expect(insertSettings({ batchBytes: 4096 * MIB, files: 1, threads: 2 }).min_insert_block_size_bytes).toBe(
      256 * MIB,
    );
  });

  it('keeps a strict load to blocks of 32 MiB: its view holds each statement whole (memory ~3.4× lenient)', () => {
    const strict = (batchBytes: number) =>
      insertSettings({ batchBytes, files: 1, threads: 2, validation: 'strict' }).min_insert_block_size_bytes;
    expect(strict(4096 * MIB)).toBe(32 * MIB);
    expect(strict(200 * MIB)).toBe(32 * MIB);
    expect(strict(1000)).toBe(32 * MIB);
  });

  it('reads up to 16 objects at once for batches of many small files, never fewer than the streams', () => {
    expect(insertSettings({ batchBytes: MIB, files: 1, threads: 2 }).max_threads).toBe(2);
    expect(insertSettings({ batchBytes: MIB, files: 5, threads: 2 }).max_threads).toBe(5);
    expect(insertSettings({ batchBytes: MIB, files: 1000, threads: 2 }).max_threads).toBe(16);
    expect(insertSettings({ batchBytes: MIB, files: 1000, threads: 64 }).max_threads).toBe(64);
  });

  it('treats a thread count below one as one', () => {
    expect(insertSettings({ batchBytes: MIB, files: 1, threads: 0 }).max_insert_threads).toBe(1);
  });
});
