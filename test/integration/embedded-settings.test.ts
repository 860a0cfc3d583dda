import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../helpers/harness.js';

/**
 * On a server, `clickhouse_settings` belong to one query. chDB's adapter SETs them on its session, where
 * they would stay; src/engine/per-query-settings.ts resets them. Without it, a deduplication token would
 * make the next INSERT vanish, and a log_comment would mark later queries as part of an ended load.
 */
describe('embedded engine: settings are per query, as on a server', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ migrate: false });
  });
  afterAll(async () => h?.close());

  const setting = async (name: string) => {
    const rs = await h.rt.engine.client.query({
      query: 'SELECT getSetting({name:String}) AS v',
      query_params: { name },
      format: 'JSONEachRow',
    });
    return (await rs.json<{ v: unknown }>())[0]?.v;
  };

  it('a setting of one query does not reach the next', async () => {
    const client = h.rt.engine.client;
    await client.query({
      query: 'SELECT 1',
      clickhouse_settings: { join_use_nulls: 1, log_comment: 'load-x' },
    });
    expect(await setting('join_use_nulls')).toBe(false);
    expect(await setting('log_comment')).toBe('');
    // A query that sets one of them again still gets its own value.
    const rs = await client.query({
      query: "SELECT getSetting('log_comment') AS v",
      format: 'JSONEachRow',
      clickhouse_settings: { log_comment: 'load-y' },
    });
    expect(await rs.json()).toEqual([{ v: 'load-y' }]);
  });

  it('holds when queries reach chDB in another order than they were made', async () => {
    const client = h.rt.engine.client;
    await client.command({ query: 'CREATE TABLE order_probe (n UInt32) ENGINE = Memory' });
    // The adapter reads an INSERT's body before it runs the INSERT: a query made after it runs before it.
    const slowBody = Readable.from(
      (async function* () {
        await new Promise((r) => setTimeout(r, 100));
        yield { n: 1 };
      })(),
    );
    await Promise.all([
      client.insert({
        table: 'order_probe',
        values: slowBody,
        format: 'JSONEachRow',
        clickhouse_settings: { log_comment: 'made-first-runs-last' },
      }),
      client.query({ query: 'SELECT 1' }).then((r) => r.text()),
    ]);
    expect(await setting('log_comment')).toBe('');
  });

  it('an INSERT after one with a deduplication token lands', async () => {
    const client = h.rt.engine.client;
    await client.command({
      query: `CREATE TABLE dedup_probe (n UInt32) ENGINE = MergeTree ORDER BY n
              SETTINGS non_replicated_deduplication_window = 100`,
    });
    await client.insert({
      table: 'dedup_probe',
      values: [{ n: 1 }],
      format: 'JSONEachRow',
      clickhouse_settings: { insert_deduplication_token: 'token-1' },
    });
    await client.insert({ table: 'dedup_probe', values: [{ n: 2 }], format: 'JSONEachRow' });
    const rs = await client.query({ query: 'SELECT n FROM dedup_probe ORDER BY n', format: 'JSONEachRow' });
    expect(await rs.json()).toEqual([{ n: 1 }, { n: 2 }]);
  });
});
