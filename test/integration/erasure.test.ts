import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eraseActors } from '../../src/erasure/erase.js';
import { parseIdentifier } from '../../src/erasure/identifiers.js';
import type { Runtime } from '../../src/runtime.js';
import { bundleBody, generateBundles } from '../../src/tools/generate/bundles.js';
import { voidingStatement } from '../../src/tools/generate/statement.js';
import { loadKeys, snapshot } from '../helpers/analytics-views.js';
import { type Harness, type Isolated, startHarness } from '../helpers/harness.js';

/**
 * Erasure of a learner (issue #19): after `erase`, no String column of any table holds their IFI or name (on
 * disk either: deleted rows are purged), every view equals a load of the same files without them, and a forced
 * reload keeps them out, counted as `erased_actor`.
 */
const MBOX = 'mailto:Jane.Doe@Example.org';
const NAME = 'Jane Erasable-Doe';
const SHA1 = createHash('sha1').update('mailto:jane.doe@example.org').digest('hex');
const JANE = { objectType: 'Agent', name: NAME, mbox: MBOX };
const JANE_BY_SHA1 = { objectType: 'Agent', name: NAME, mbox_sha1sum: SHA1 };
/** What must appear nowhere after the erasure (searched case-insensitively). */
const TRACES = ['jane.doe@example.org', NAME, SHA1];

const quiz = { id: 'http://example.com/quiz/1', objectType: 'Activity' };
const answered = { id: 'http://adlnet.gov/expapi/verbs/answered', display: { 'en-US': 'answered' } };

interface File {
  key: string;
  lines: string[];
}

/** Generated video sessions where one learner per section becomes Jane, plus every other place she can be. */
function dataset(): File[] {
  const files: File[] = [];
  const bobStatements: string[] = [];
  for (const b of generateBundles({
    seed: 'erasure',
    sections: 2,
    videosPerSection: 2,
    learnersPerSection: 5,
    days: 3,
    bundleStatements: 60,
    brokenPerSection: 1,
    voidedPerSection: 1,
  })) {
    const lines = bundleBody(b)
      .split('\n')
      .filter((l) => l !== '')
      .map((line) => {
        if (!line.includes('-learner-001"')) {
          if (line.includes('-learner-002"') && b.sectionId === '101') bobStatements.push(line);
          return line;
        }
        const s = JSON.parse(line) as Record<string, unknown>;
        // Section 101 knows her by mbox, section 102 by its SHA-1 (another producer).
        s.actor = b.sectionId === '101' ? JANE : JANE_BY_SHA1;
        return JSON.stringify(s);
      });
    files.push({ key: b.key, lines });
  }
  const bobTarget = JSON.parse(bobStatements[0] as string) as { id: string };
  const at = '2024-03-05T12:00:00.000Z';
  files.push({
    key: 'section/101/quiz/2024-03-05T12-00-00.000Z_mentions.jsonl',
    lines: [
      // A member of a group, an instructor, the object of someone else's statement.
      {
        actor: { objectType: 'Group', name: 'Team A', member: [JANE, { mbox: 'mailto:carol@example.org' }] },
      },
      {
        actor: { mbox: 'mailto:teacher@example.org' },
        context: { instructor: JANE },
      },
      { actor: { mbox: 'mailto:teacher@example.org' }, object: JANE },
      // An ordinary statement of someone else, which stays.
      { actor: { mbox: 'mailto:carol@example.org' } },
    ].map((s) => JSON.stringify({ id: randomUUID(), verb: answered, object: quiz, timestamp: at, ...s })),
  });
  files.push({
    key: 'section/102/quiz/2024-03-05T13-00-00.000Z_jane.jsonl',
    lines: [
      // Jane voids one of Bob's statements (of another section): erased, the void goes with her.
      JSON.stringify({
        ...voidingStatement(randomUUID(), bobTarget.id, Date.UTC(2024, 2, 5, 13)),
        actor: JANE,
      }),
      // Rejected lines of hers: a bad timestamp, and a line that is not JSON at all.
      JSON.stringify({ id: randomUUID(), actor: JANE, verb: answered, object: quiz, timestamp: 'yesterday' }),
      `{"actor": {"mbox": "mailto:jane.doe@example.org"}, "verb": broken`,
      JSON.stringify({
        id: randomUUID(),
        actor: { mbox: 'mailto:dave@example.org' },
        verb: answered,
        object: quiz,
        timestamp: at,
      }),
    ],
  });
  return files;
}

const namesJane = (line: string) => TRACES.some((t) => line.toLowerCase().includes(t.toLowerCase()));

/** Every String-holding column of every table of the database that holds a trace, deleted rows included. */
async function traces(w: Isolated): Promise<string[]> {
  const columns = await w.query<{ table: string; name: string }>(
    `SELECT c.table AS table, c.name AS name FROM system.columns AS c
     INNER JOIN system.tables AS t ON t.database = c.database AND t.name = c.table
     WHERE c.database = currentDatabase() AND c.type LIKE '%String%'
       AND t.engine NOT IN ('View', 'MaterializedView', 'Null', 'Distributed')`,
  );
  const found: string[] = [];
  for (const { table, name } of columns) {
    for (const needle of TRACES) {
      const rows = await w.rt.engine.client.query({
        query: `SELECT count() AS n FROM ${table} WHERE positionCaseInsensitive(toString(\`${name}\`), {needle:String}) > 0`,
        query_params: { needle },
        format: 'JSONEachRow',
        clickhouse_settings: { apply_deleted_mask: 0 },
      });
      const [row] = await rows.json<{ n: string }>();
      if (Number(row?.n) > 0) found.push(`${table}.${name} holds ${needle}`);
    }
  }
  return found;
}

describe('erase --actor: a learner removed everywhere, for good', () => {
  let h: Harness;
  let erased: Isolated;
  let without: Isolated;
  const files = dataset();

  const put = async (w: Isolated, filter: (line: string) => boolean) => {
    for (const f of files) await h.s3.put(w.bucket, f.key, `${f.lines.filter(filter).join('\n')}\n`);
  };
  const load = (w: Isolated, force = false) =>
    loadKeys(
      w.rt as Runtime,
      { ...h, bucket: w.bucket, rt: w.rt } as Harness,
      files.map((f) => f.key),
      {
        force,
      },
    );

  beforeAll(async () => {
    h = await startHarness();
    erased = await h.isolated({ bucket: true });
    without = await h.isolated({ bucket: true });
    await put(erased, () => true);
    await put(without, (line) => !namesJane(line));
    await load(erased);
    await load(without);
  }, 120_000);
  afterAll(async () => h?.close());

  it('a dry run says what would go, per table, and removes nothing', async () => {
    const result = await eraseActors(erased.rt.engine.client, [parseIdentifier(MBOX)], { dryRun: true });
    expect(result.dry_run).toBe(true);
    expect(result.removed.statements).toBeGreaterThan(10);
    expect(result.removed.video_events).toBeGreaterThan(5);
    expect(result.removed.rejected_statements).toBe(2);
    expect(result.removed.voids).toBe(1);
    expect(result.removed.video_viewer_state).toBeGreaterThan(0);
    expect(await traces(erased)).not.toEqual([]);
  });

  it('removes every trace of the learner, leaving every view as a load of the files without her', async () => {
    const result = await eraseActors(erased.rt.engine.client, [parseIdentifier(MBOX)]);
    expect(result.removed.statements).toBeGreaterThan(10);
    expect(await traces(erased)).toEqual([]);
    expect(await snapshot(erased as unknown as Harness)).toEqual(
      await snapshot(without as unknown as Harness),
    );
    // Bob's statement that she voided is active again, as in the files without her.
    const [record] = await erased.query<{
      status: string;
      hashes: string[];
      removed: Record<string, string>;
    }>('SELECT status, key_hashes AS hashes, removed FROM erasures FINAL');
    expect(record?.status).toBe('done');
    expect(record?.hashes).toHaveLength(3); // the mbox, its SHA-1 as written and lower-cased: 2 distinct + mbox
    expect(JSON.stringify(record)).not.toMatch(/jane/i);
  });

  it('sticks: a forced reload of every file stores nothing of hers, and counts each of her lines', async () => {
    await load(erased, true);
    expect(await traces(erased)).toEqual([]);
    expect(await snapshot(erased as unknown as Harness)).toEqual(
      await snapshot(without as unknown as Harness),
    );
    const hers = files.flatMap((f) => f.lines).filter(namesJane).length;
    const [rejected] = await erased.query<{ n: string; raw: string }>(
      "SELECT count() AS n, max(raw) AS raw FROM rejected_statements FINAL WHERE reason = 'erased_actor'",
    );
    expect(Number(rejected?.n)).toBe(hers);
    expect(rejected?.raw).toBe('');
    // Nothing is silently dropped: loaded + rejected = lines, per file.
    for (const f of files) {
      const [n] = await erased.query<{ loaded: string; rejected: string }>(
        `SELECT (SELECT count() FROM statements FINAL WHERE source_key = {key:String}) AS loaded,
                (SELECT count() FROM rejected_statements FINAL WHERE source_key = {key:String}) AS rejected`,
        { key: f.key },
      );
      expect(Number(n?.loaded) + Number(n?.rejected), f.key).toBe(f.lines.length);
    }
  });

  it('takes a learner as an Agent too (account, openid), and refuses what is not an identifier', () => {
    expect(parseIdentifier('{"account": {"homePage": "https://lms.example.org", "name": "u-7"}}')).toEqual({
      account: { homePage: 'https://lms.example.org', name: 'u-7' },
    });
    expect(parseIdentifier('{"openid": "https://id.example.org/u/7"}')).toEqual({
      openid: 'https://id.example.org/u/7',
    });
    expect(() => parseIdentifier('jane@example.org')).toThrow(/`mailto:…` or an Agent as JSON/);
    expect(() => parseIdentifier('{"name": "Jane"}')).toThrow(/names no mbox/);
    expect(() => parseIdentifier('{"mbox": "jane@example.org"}')).toThrow(/not a mailto IRI/);
  });
});
