import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { derivedDrift } from '../../src/schema/derived-lock.js';
import { readMigrationSet } from '../../src/schema/migration-files.js';
import { readSchemaState } from '../../src/schema/schema-state.js';
import { migrate } from '../../src/upgrade/migrate.js';
import { loadKeys, putDataset, snapshot } from '../helpers/analytics-views.js';
import { FIXTURES, type Harness, startHarness } from '../helpers/harness.js';
import { ANALYTICS_CHANGE, nextVersion, RULE_CHANGE } from '../helpers/next-version.js';

/**
 * A change that ships (issue #19): the next version changes a derived file and adds a migration naming its new
 * content; `migrate` applies it in place on a database holding data. A rule change replaces the parse views; a
 * change of what an analytic computes rebuilds its state from the raw tables, section by section, resumable,
 * while loads go on, and the views show one definition's numbers at every moment.
 */
describe('schema changes that ship', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  it("v0.1.0's migrations are still byte for byte what v0.1.0 applied (applied migrations are never edited)", () => {
    const released = readMigrationSet(`${FIXTURES}/v0.1.0/migrations`).versioned;
    const now = readMigrationSet().versioned;
    for (const m of released) expect(now[m.version - 1]?.checksum, m.name).toBe(m.checksum);
  });

  it('this version names every derived file it ships (a change without a migration fails here)', () => {
    expect(derivedDrift(readMigrationSet())).toEqual([]);
    const edited = nextVersion('unnamed', RULE_CHANGE);
    const unnamed = { ...edited, versioned: edited.versioned.slice(0, -1) };
    expect(derivedDrift(unnamed).map((d) => d.file)).toEqual(['10_parse_views.sql']);
  });

  it('a rule change: the parse views are replaced in place, nothing is rebuilt, the next load follows the rule', async () => {
    const w = await h.isolated({ bucket: true });
    const key = (n: number) => `section/rc/quiz/2024-07-0${n}T00-00-00.000Z_bundle.jsonl`;
    const put = (n: number) =>
      h.s3.put(
        w.bucket,
        key(n),
        `${JSON.stringify({ actor: { mbox: 'mailto:a@example.org' }, verb: { id: 'http://x/v' }, object: { id: 'http://x/o' } })}\n\n`,
      );
    await put(1);
    const rt = { ...h, bucket: w.bucket, rt: w.rt } as Harness;
    await loadKeys(w.rt, rt, [key(1)]);
    const next = nextVersion('blank_line_detail', RULE_CHANGE);
    // This version's code meets a database of the next: "ahead", and loads go on.
    const result = await migrate(w.rt.engine.client, { set: next });
    expect(result.applied.map((m) => m.version)).toEqual([next.versioned.length]);
    expect(result.derived).toEqual(['10_parse_views.sql']);
    expect(result.rebuild).toBeUndefined();
    expect((await readSchemaState(w.rt.engine.client)).status).toBe('ahead');
    await put(2);
    await loadKeys(w.rt, rt, [key(2)]);
    const details = await w.query<{ key: string; detail: string }>(
      "SELECT source_key AS key, detail FROM rejected_statements FINAL WHERE reason = 'empty_line' ORDER BY key",
    );
    expect(details).toEqual([
      { key: key(1), detail: 'the line is empty' },
      { key: key(2), detail: 'the line is blank (nothing to load)' },
    ]);
    // This version refuses to migrate a database a newer one migrated.
    await expect(migrate(w.rt.engine.client)).rejects.toThrow(/migrated by a newer xapi-etl/);
  });

  it('an analytics change: rebuilt section by section while loads go on, resumable, one definition at a time', async () => {
    const upgraded = await h.isolated({ bucket: true });
    const fresh = await h.isolated({ bucket: true });
    const on = (w: typeof upgraded) => ({ ...h, bucket: w.bucket, rt: w.rt, query: w.query }) as Harness;
    const data = await putDataset(on(upgraded));
    await putDataset(on(fresh));
    const [early, late] = [data.keys.slice(0, -6), data.keys.slice(-6)];
    await loadKeys(upgraded.rt, on(upgraded), early);
    const before = await snapshot(on(upgraded));
    const next = nextVersion('completers_by_statement', ANALYTICS_CHANGE);

    // Stopped after two sections (Ctrl-C, a deadline): the public views still show the old definition, whole.
    let sections = 0;
    const stopped = await migrate(upgraded.rt.engine.client, {
      set: next,
      shouldStop: () => sections++ >= 2,
    });
    expect(stopped.rebuild).toMatchObject({ status: 'stopped', sections: 2 });
    expect(await snapshot(on(upgraded))).toEqual(before);
    const health = await readSchemaState(upgraded.rt.engine.client, next);
    expect(health.derivedBehind).toEqual(['40_analytics_state.sql']);

    // Loads meanwhile work, and refresh the live (old) definition.
    await loadKeys(upgraded.rt, on(upgraded), late);
    const resumed = await migrate(upgraded.rt.engine.client, { set: next });
    expect(resumed.rebuild).toMatchObject({ status: 'done', resumed: true });
    expect(resumed.derived).toEqual(['40_analytics_state.sql']);

    // The same numbers as a database made by the next version from the start, with the same files.
    await migrate(fresh.rt.engine.client, { set: next });
    await loadKeys(fresh.rt, on(fresh), data.keys);
    const after = await snapshot(on(upgraded));
    expect(after).toEqual(await snapshot(on(fresh)));
    // …and the definition did change something (this test would pass vacuously otherwise).
    expect(after.video_completion).not.toEqual(before.video_completion);
    const leftovers = await upgraded.query<{ name: string }>(
      "SELECT name FROM system.tables WHERE database = currentDatabase() AND name LIKE '%\\_\\_rebuild%'",
    );
    expect(leftovers).toEqual([]);
  });
});
