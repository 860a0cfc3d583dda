import { createClient } from '@clickhouse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { splitLargeParams } from '../../src/engine/params-in-body.js';
import { createHandler, type HandlerResult } from '../../src/lambda/create-handler.js';
import { localContext } from '../../src/lambda/local-context.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { type LocalS3, startLocalS3 } from '../../src/tools/local-s3/local-s3.js';
import { migrate } from '../../src/upgrade/migrate.js';
import { type CapturedOutput, captureOutput } from '../helpers/capture-output.js';
import { type EngineHttpFront, startEngineHttpFront } from '../helpers/engine-http-front.js';

/**
 * ClickHouse's HTTP limits (issue #20), enforced by the front as the server enforces them: a URI of at most 1 MiB,
 * a parameter value of at most 128 KiB (in the URL or as a multipart part). A bulk window of 5,000 files in one
 * batch — 5,000 keys, ETags and load ids as parameters — loads over HTTP.
 */
describe('HTTP limits of a ClickHouse server', () => {
  let front: EngineHttpFront;
  let s3: LocalS3;
  let rt: Runtime;
  let out: CapturedOutput;

  beforeAll(async () => {
    [front, s3] = await Promise.all([startEngineHttpFront(), startLocalS3()]);
    await s3.createBucket('xapi');
    rt = await createRuntime(
      loadConfig({
        ...process.env,
        CLICKHOUSE_HOST: front.url,
        CLICKHOUSE_USERNAME: front.user,
        CLICKHOUSE_PASSWORD: front.password,
        CLICKHOUSE_DATABASE: 'limits',
        AWS_ENDPOINT_URL_S3: s3.endpoint,
        S3_XAPI_BUCKET_NAME: 'xapi',
        XAPI_BATCH_MAX_FILES: '5000',
      }),
    );
    await migrate(rt.engine.client);
    out = captureOutput();
  }, 120_000);
  afterAll(async () => {
    out?.restore();
    await rt?.close();
    await s3?.close();
    await front?.stop();
  });

  it('the front refuses what ClickHouse refuses: a parameter over 128 KiB, a URI over 1 MiB', async () => {
    const plain = createClient({ url: front.url, username: front.user, password: front.password });
    const big = Array.from(
      { length: 4000 },
      (_, i) => `section/some-course-${i}/video/2024-01-01T00-00-00.000Z_bundle.jsonl`,
    );
    await expect(
      plain.query({
        query: 'SELECT length({keys:Array(String)}) AS n',
        query_params: { keys: big },
        format: 'JSONEachRow',
      }),
    ).rejects.toThrow(/Field value too long/);
    await expect(
      plain.query({
        query: 'SELECT 1',
        query_params: Object.fromEntries(
          Array.from({ length: 12 }, (_, i) => [`p${i}`, 'x'.repeat(100_000)]),
        ),
        format: 'JSONEachRow',
      }),
    ).rejects.toThrow(/URI exceeds limit|400/);
    // Our client: the same array, split into parts within the limit, in the body.
    const rs = await rt.engine.client.query({
      query: 'SELECT length({keys:Array(String)}) AS n',
      query_params: { keys: big },
      format: 'JSONEachRow',
    });
    expect((await rs.json<{ n: number | string }>()).map((r) => Number(r.n))).toEqual([4000]);
    await plain.close();
  });

  it('a bulk window of 5,000 files loads in one batch over HTTP', async () => {
    // Five folders of 1,000 (s3rver pages a longer listing with a cipher Node 20 lacks by default).
    const keys = Array.from(
      { length: 5000 },
      (_, i) =>
        `section/wide/kind${Math.floor(i / 1000)}/2024-03-01T00-00-00.000Z_f${String(i).padStart(4, '0')}.jsonl`,
    );
    const line = JSON.stringify({
      actor: { mbox: 'mailto:a@example.org' },
      verb: { id: 'http://x/v' },
      object: { id: 'http://x/o' },
    });
    for (let i = 0; i < keys.length; i += 100) {
      await Promise.all(keys.slice(i, i + 100).map((k) => s3.put('xapi', k, `${line}\n`)));
    }
    const result = (await createHandler({ runtime: async () => rt })(
      { mode: 'bulk', section_id: 'wide', start_date: '2024-03-01', end_date: '2024-03-01' },
      localContext(),
    )) as HandlerResult;
    expect(result).toMatchObject({ success: true, files_processed: 5000, events_processed: 5000 });
  });

  it('a command with parameters goes in the body as written: a lightweight DELETE with a 4,000-key array', async () => {
    const c = rt.engine.client;
    await c.command({ query: 'CREATE TABLE doomed (k String) ENGINE = MergeTree ORDER BY k' });
    await c.command({ query: "INSERT INTO doomed SELECT concat('k', toString(number)) FROM numbers(5000)" });
    const gone = Array.from({ length: 4000 }, (_, i) => `k${i}`);
    // DELETE takes no FORMAT clause (the client's query() would add one), and 4,000 keys exceed one part.
    await c.command({ query: 'DELETE FROM doomed WHERE k IN {gone:Array(String)}', query_params: { gone } });
    const rs = await c.query({ query: 'SELECT count() AS n FROM doomed', format: 'JSONEachRow' });
    expect((await rs.json<{ n: string }>()).map((r) => Number(r.n))).toEqual([1000]);
    // A failed command still throws, with ClickHouse's error.
    await expect(
      c.command({ query: 'DELETE FROM no_such_table WHERE k = {k:String}', query_params: { k: 'x' } }),
    ).rejects.toThrow(/no_such_table|UNKNOWN_TABLE|does not exist/i);
  });

  it('splits a large array parameter into parts and rewrites the SQL to join them', () => {
    const keys = Array.from({ length: 3000 }, (_, i) => `key-${i}-${'x'.repeat(60)}`);
    const { sql, params } = splitLargeParams('SELECT has({keys:Array(String)}, {k:String})', {
      keys,
      k: 'key-1',
    });
    expect(sql).toMatch(
      /^SELECT has\(arrayConcat\(\{keys__0:Array\(String\)\}, \{keys__1:Array\(String\)\}, \{keys__2:Array\(String\)\}\), \{k:String\}\)$/,
    );
    expect(Object.keys(params)).toEqual(['keys__0', 'keys__1', 'keys__2', 'k']);
    expect(Object.values(params).slice(0, 3).flat()).toEqual(keys);
  });
});
