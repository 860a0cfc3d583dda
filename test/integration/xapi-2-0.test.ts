import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eraseActors } from '../../src/erasure/erase.js';
import { parseIdentifier } from '../../src/erasure/identifiers.js';
import { runEvent } from '../../src/modes/event.js';
import { readDerivedFiles, readMigrationSet } from '../../src/schema/migration-files.js';
import { readSchemaState } from '../../src/schema/schema-state.js';
import { migrate } from '../../src/upgrade/migrate.js';
import { FIXTURES, type Harness, type Isolated, startHarness } from '../helpers/harness.js';

/**
 * xAPI 2.0 beyond the rules (issue #23): context agents and groups as typed columns, their people found by an
 * erasure, statements without a version read by XAPI_DEFAULT_VERSION, and a database made before this issue upgraded
 * in place: migrations 0001–0003 with the derived files of the commit before (test/fixtures/migrations-before-2.0).
 */
const teacher = { objectType: 'Agent', mbox: 'mailto:Teacher@Example.org' };
const statement = (n: number, extra: Record<string, unknown> = {}) => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  actor: { mbox: `mailto:learner${n}@example.org` },
  verb: { id: 'http://adlnet.gov/expapi/verbs/attended' },
  object: { id: 'http://example.org/activities/meeting' },
  timestamp: '2024-03-04T10:00:00Z',
  version: '2.0.0',
  ...extra,
});
const withContext = (n: number, context: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  statement(n, { context, ...extra });
const INSTRUCTOR = 'https://example.org/roles/instructor';

describe('xAPI 2.0: typed context agents and groups, erasure, default version, upgrade (chDB + s3rver)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h?.close());

  async function load(w: Isolated, key: string, lines: unknown[], force = false) {
    await h.s3.put(w.bucket, key, `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
    return runEvent(w.rt, [{ bucket: w.bucket, key }], { force });
  }

  it('queries context agents by key and relevant type, without parsing JSON; groups keyed as actors are', async () => {
    const w = await h.isolated({ bucket: true, env: { XAPI_VALIDATION: 'strict' } });
    const members = [{ mbox: 'mailto:b@example.org' }, { mbox: 'mailto:a@example.org' }];
    const r = await load(w, 'section/s1/meeting/2024-03-04T10-00-00.000Z_bundle.jsonl', [
      withContext(1, {
        instructor: teacher,
        contextAgents: [{ objectType: 'contextAgent', agent: teacher, relevantTypes: [INSTRUCTOR] }],
        contextGroups: [{ objectType: 'contextGroup', group: { objectType: 'Group', member: members } }],
      }),
      withContext(2, {
        contextAgents: [{ objectType: 'contextAgent', agent: { mbox: 'mailto:observer@example.org' } }],
      }),
      statement(3, { actor: { objectType: 'Group', member: [...members].reverse() } }),
    ]);
    expect(r).toMatchObject({ events_processed: 3, events_rejected: 0 });
    const rows = await w.query<{ id: string; agents: unknown; instructor: string }>(
      `SELECT right(toString(statement_id), 1) AS id, context_agents AS agents, context_instructor_key AS instructor
       FROM statements FINAL WHERE arrayExists(a -> has(a.relevant_types, {t:String}), context_agents) ORDER BY id`,
      { t: INSTRUCTOR },
    );
    expect(rows).toEqual([
      {
        id: '1',
        agents: [{ agent_key: 'mbox::mailto:teacher@example.org', relevant_types: [INSTRUCTOR] }],
        instructor: 'mbox::mailto:teacher@example.org',
      },
    ]);
    // An anonymous context group has the key the same members give an anonymous actor Group.
    const [keys] = await w.query<{ group: string; actor: string; members: string[] }>(
      `SELECT (SELECT context_groups[1].group_key FROM statements FINAL WHERE right(toString(statement_id), 1) = '1') AS group,
              (SELECT context_groups[1].member_keys FROM statements FINAL WHERE right(toString(statement_id), 1) = '1') AS members,
              (SELECT actor_key FROM statements FINAL WHERE right(toString(statement_id), 1) = '3') AS actor`,
    );
    expect(keys?.group).toBe(keys?.actor);
    expect(keys?.group).toMatch(/^group::/);
    expect(keys?.members).toEqual(['mbox::mailto:b@example.org', 'mbox::mailto:a@example.org']);
  });

  it('erasing a learner named only as a context agent or a context group member removes those statements', async () => {
    const w = await h.isolated({ bucket: true });
    await load(w, 'section/s1/meeting/2024-03-04T11-00-00.000Z_bundle.jsonl', [
      withContext(4, {
        contextAgents: [{ objectType: 'contextAgent', agent: { mbox: 'mailto:helper@example.org' } }],
      }),
      withContext(5, {
        contextGroups: [
          {
            objectType: 'contextGroup',
            group: { objectType: 'Group', member: [{ mbox: 'mailto:helper@example.org' }] },
          },
        ],
      }),
      statement(6),
    ]);
    const result = await eraseActors(w.rt.engine.client, [parseIdentifier('mailto:helper@example.org')], {
      waitMs: 0,
    });
    expect(result.removed.statements).toBe(2);
    const left = await w.query<{ id: string }>(
      'SELECT right(toString(statement_id), 1) AS id FROM statements FINAL',
    );
    expect(left).toEqual([{ id: '6' }]);
  });

  it('a statement without a version is checked as XAPI_DEFAULT_VERSION says', async () => {
    const unversioned = withContext(
      7,
      { contextAgents: [{ objectType: 'contextAgent', agent: teacher }] },
      { version: undefined },
    );
    const as103 = await h.isolated({ bucket: true, env: { XAPI_VALIDATION: 'strict' } });
    const r103 = await load(as103, 'section/s1/t/2024-03-04T12-00-00.000Z_bundle.jsonl', [unversioned]);
    expect(r103).toMatchObject({
      events_processed: 0,
      events_rejected: 1,
      rejected_by_reason: { 'DATA-2.2.s4.b1.b7': 1 },
    });
    const as20 = await h.isolated({
      bucket: true,
      env: { XAPI_VALIDATION: 'strict', XAPI_DEFAULT_VERSION: '2.0.0' },
    });
    const r20 = await load(as20, 'section/s1/t/2024-03-04T12-00-00.000Z_bundle.jsonl', [unversioned]);
    expect(r20).toMatchObject({ events_processed: 1, events_rejected: 0 });
    // And under 2.0 a timestamp needs its offset.
    const r20ts = await load(as20, 'section/s1/t/2024-03-04T12-30-00.000Z_bundle.jsonl', [
      statement(8, { version: undefined, timestamp: '2024-03-04T12:30:00' }),
    ]);
    expect(r20ts.rejected_by_reason).toEqual({ 'DATA2-timestamp': 1 });
  });

  it('a database made before this issue upgrades in place; rows loaded before show their context agents at once', async () => {
    const w = await h.isolated({ bucket: true, migrate: false, env: { XAPI_VALIDATION: 'strict' } });
    // Migrations 0001–0003 as released, with the derived files they ran with then.
    const current = readMigrationSet();
    const before = {
      ...current,
      versioned: current.versioned.filter((m) => m.version <= 3),
      derived: readDerivedFiles(path.join(FIXTURES, 'migrations-before-2.0')),
    };
    await migrate(w.rt.engine.client, { set: before });
    expect((await readSchemaState(w.rt.engine.client)).appliedVersion).toBe(3);
    // Loaded by the version before, through its own parse views (lenient: 1.0.3's rules would refuse contextAgents).
    const lines = [
      withContext(9, {
        contextAgents: [{ objectType: 'contextAgent', agent: teacher, relevantTypes: [INSTRUCTOR] }],
      }),
    ];
    await w.rt.engine.client.insert({
      table: 'ingest_lines_lenient',
      values: [
        {
          load_id: '00000000-0000-4000-8000-000000000099',
          load_mode: 'event',
          validation: 'lenient',
          source_bucket: w.bucket,
          source_key: 'section/s1/meeting/earlier.jsonl',
          source_etag: 'e',
          source_size: 1,
          source_time: '2024-03-04 13:00:00.000',
          line_number: 1,
          section_id: 's1',
          event_type: 'meeting',
          line: JSON.stringify(lines[0]),
        },
      ],
      format: 'JSONEachRow',
    });
    const upgraded = await migrate(w.rt.engine.client);
    expect(upgraded.applied.map((m) => m.version)).toEqual([4]);
    expect((await readSchemaState(w.rt.engine.client)).status).toBe('current');
    // The row loaded before: its context agents, read from the statement it stored.
    const [earlier] = await w.query<{ agents: unknown }>(
      'SELECT context_agents AS agents FROM statements FINAL',
    );
    expect(earlier?.agents).toEqual([
      { agent_key: 'mbox::mailto:teacher@example.org', relevant_types: [INSTRUCTOR] },
    ]);
    // A strict load now checks it by 2.0's rules, and loads it.
    const r = await load(w, 'section/s1/meeting/2024-03-04T13-00-00.000Z_bundle.jsonl', [
      { ...lines[0], id: undefined },
    ]);
    expect(r).toMatchObject({ events_processed: 1, events_rejected: 0 });
  });
});
