import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachLimited } from '../../src/concurrency.js';
import { eraseActors } from '../../src/erasure/erase.js';
import { parseIdentifier } from '../../src/erasure/identifiers.js';
import { runBulk } from '../../src/modes/bulk.js';
import { runEvent } from '../../src/modes/event.js';
import { bulkPayloadSchema } from '../../src/requests/bulk-request.js';
import { type Harness, type Isolated, startHarness } from '../helpers/harness.js';
import { sourceBundles, vectorShape } from '../helpers/shapes.js';

/**
 * Open edX Aspects as a target (issue #22): with XAPI_ASPECTS_TABLE, every statement that loads is also written,
 * once, into a table of Aspects' raw shape. The table and the materialized view on it are written here from the
 * shape (event_id UUID, emission_time DateTime64(6), event String), as Aspects' own views read it; no Aspects code.
 */
const SHAPE = vectorShape(sourceBundles('2024-03-04', 2), []);
const STATEMENTS = SHAPE.files.flatMap((f) =>
  f.records.filter((r) => r.statementId).map((r) => r.statementId),
);

describe('Open edX Aspects as a target (chDB + s3rver)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  /** A world whose loads write into its own Aspects-shaped table, with a view counting every block it sees. */
  async function world(): Promise<Isolated & { aspects: string }> {
    const aspects = `aspects_${randomBytes(4).toString('hex')}`;
    const c = h.rt.engine.client;
    await c.command({ query: `CREATE DATABASE ${aspects}` });
    await c.command({
      query: `CREATE TABLE ${aspects}.xapi_events_all
              (event_id UUID, emission_time DateTime64(6), event String)
              ENGINE = MergeTree PARTITION BY toYYYYMM(emission_time) ORDER BY (emission_time, event_id)`,
    });
    // A view as Aspects' are: it parses each event it is given. A MergeTree (not Replacing): every firing stays.
    await c.command({
      query: `CREATE TABLE ${aspects}.xapi_events_parsed
              (event_id UUID, emission_time DateTime64(6), verb_id String, actor_mbox String, course_key String)
              ENGINE = MergeTree ORDER BY (course_key, emission_time, event_id)`,
    });
    await c.command({
      query: `CREATE MATERIALIZED VIEW ${aspects}.xapi_events_parsed_mv TO ${aspects}.xapi_events_parsed AS
              SELECT event_id, emission_time,
                     JSONExtractString(event, 'verb', 'id') AS verb_id,
                     JSONExtractString(event, 'actor', 'mbox') AS actor_mbox,
                     JSONExtractString(event, 'context', 'contextActivities', 'parent', 1, 'id') AS course_key
              FROM ${aspects}.xapi_events_all`,
    });
    const w = await h.isolated({
      bucket: true,
      env: { ...SHAPE.env, XAPI_ASPECTS_TABLE: `${aspects}.xapi_events_all` },
    });
    await forEachLimited(SHAPE.files, 8, (f) => h.s3.put(w.bucket, f.key, f.body).then(() => {}));
    return { ...w, aspects };
  }

  const counts = (w: Isolated & { aspects: string }) =>
    w
      .query<{ rows: string; ids: string; fired: string; parsed_ids: string; statements: string }>(
        `SELECT (SELECT count() FROM ${w.aspects}.xapi_events_all) AS rows,
                (SELECT uniqExact(event_id) FROM ${w.aspects}.xapi_events_all) AS ids,
                (SELECT count() FROM ${w.aspects}.xapi_events_parsed) AS fired,
                (SELECT uniqExact(event_id) FROM ${w.aspects}.xapi_events_parsed) AS parsed_ids,
                (SELECT count() FROM statements FINAL) AS statements`,
      )
      .then(([r]) => Object.fromEntries(Object.entries(r ?? {}).map(([k, v]) => [k, Number(v)])));

  it('each loaded statement once after three concurrent deliveries and a forced reload; its view fires once each', async () => {
    const w = await world();
    const targets = SHAPE.files.map((f) => ({ bucket: w.bucket, key: f.key }));
    // Three deliveries of the same notification at once (three Lambda invocations: three owners).
    const deliveries = await Promise.all(
      ['a', 'b', 'c'].map((owner) => runEvent(w.rt, targets, { owner: `delivery-${owner}` })),
    );
    expect(deliveries.reduce((n, d) => n + d.files_processed, 0)).toBe(SHAPE.files.length);
    const n = STATEMENTS.length;
    expect(await counts(w)).toEqual({ rows: n, ids: n, fired: n, parsed_ids: n, statements: n });

    const forced = await runEvent(w.rt, targets, { force: true });
    expect(forced.files_processed).toBe(SHAPE.files.length);
    const backfill = await runBulk(
      w.rt,
      bulkPayloadSchema.parse({
        mode: 'bulk',
        start_date: '2024-03-04',
        end_date: '2024-03-05',
        force_reprocess: true,
      }),
    );
    expect(backfill.files_processed).toBe(SHAPE.files.length);
    expect(await counts(w)).toEqual({ rows: n, ids: n, fired: n, parsed_ids: n, statements: n });

    // What Aspects receives: the statement (the envelope's field), at its time, under its id; parsed by its view.
    const [one] = await w.query<{ event: string; emission_time: string; course_key: string }>(
      `SELECT a.event AS event, toString(a.emission_time) AS emission_time, p.course_key AS course_key
       FROM ${w.aspects}.xapi_events_all AS a JOIN ${w.aspects}.xapi_events_parsed AS p USING event_id
       WHERE a.event_id = {id:UUID}`,
      { id: STATEMENTS[0] },
    );
    const statement = JSON.parse(one?.event ?? '{}');
    expect(statement.id).toBe(STATEMENTS[0]);
    expect(one?.course_key).toBe(statement.context.contextActivities.parent[0].id);
    expect(one?.emission_time.slice(0, 19)).toBe(statement.timestamp.replace('T', ' ').slice(0, 19));
  });

  it('a load that forwarded but died before its ledger write: the retry forwards nothing twice', async () => {
    const w = await world();
    const targets = SHAPE.files.map((f) => ({ bucket: w.bucket, key: f.key }));
    await runEvent(w.rt, targets.slice(0, 1));
    // As if the ledger write had been lost: the file looks unloaded, and the next delivery loads it again.
    await w.rt.engine.client.command({ query: 'TRUNCATE TABLE ingested_files' });
    await w.rt.engine.client.command({ query: 'TRUNCATE TABLE file_claims' });
    const again = await runEvent(w.rt, targets);
    expect(again.files_processed).toBe(SHAPE.files.length);
    const n = STATEMENTS.length;
    expect(await counts(w)).toMatchObject({ rows: n, ids: n, fired: n });
  });

  it('an erased learner leaves Aspects’ raw table too, and a later reload does not bring them back', async () => {
    const w = await world();
    const targets = SHAPE.files.map((f) => ({ bucket: w.bucket, key: f.key }));
    await runEvent(w.rt, targets);
    const [learner] = await w.query<{ actor: string; n: string }>(
      `SELECT JSONExtractRaw(event, 'actor') AS actor, count() AS n FROM ${w.aspects}.xapi_events_all
       GROUP BY actor ORDER BY n DESC, actor LIMIT 1`,
    );
    expect(Number(learner?.n)).toBeGreaterThan(0);
    const result = await eraseActors(w.rt.engine.client, [parseIdentifier(learner?.actor ?? '')], {
      aspectsTable: `${w.aspects}.xapi_events_all`,
      waitMs: 0,
    });
    expect(result.removed.aspects_events).toBe(Number(learner?.n));
    const left = async () =>
      Number(
        (
          await w.query<{ n: string }>(
            `SELECT count() AS n FROM ${w.aspects}.xapi_events_all WHERE JSONExtractRaw(event, 'actor') = {a:String}`,
            { a: learner?.actor },
          )
        )[0]?.n,
      );
    expect(await left()).toBe(0);
    await runEvent(w.rt, targets, { force: true });
    expect(await left()).toBe(0);
  });
});
