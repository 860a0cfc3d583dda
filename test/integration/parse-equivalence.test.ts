import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateLines } from '../../src/tools/generate/bundles.js';
import { FIXTURES, type Harness, RALPH_SAMPLE, startHarness } from '../helpers/harness.js';

/**
 * Lenient loads go through ingest_parse_lenient_mv, strict loads through ingest_parse_strict_mv (migration 0002,
 * generated from src/schema/parse-views/). Both read the line with the same typed parse and compute the columns
 * and the lenient rules with the same SQL; the strict view adds its rules, applied only to rows whose validation
 * is 'strict'. So fed lenient rows, the strict view must write exactly what the lenient view writes: every column
 * of every line.
 */
const conformance = (name: string) =>
  fs
    .readFileSync(path.join(FIXTURES, 'adl-conformance-v1_0_3', name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.stringify((JSON.parse(l) as { statement: unknown }).statement));

const openedx = fs
  .readdirSync(path.join(FIXTURES, 'openedx-shaped'))
  .map((f) => JSON.stringify(JSON.parse(fs.readFileSync(path.join(FIXTURES, 'openedx-shaped', f), 'utf8'))));

/** Lines no corpus has: broken, odd types where strings are expected, odd whitespace. */
const edgeLines = [
  '',
  '   ',
  'not json',
  '[1, 2]',
  '42',
  '"a string"',
  '{}',
  '{"actor": "x"}',
  '\uFEFF{"actor":{"mbox":"mailto:bom@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/x"},"object":{"id":"http://x"}}',
  '{"actor":{"mbox":"mailto:a@example.com","name":5},"verb":{"id":"http://v","display":"str"},"object":{"id":"http://o","definition":{"name":["x"]}},"version":1}',
  '{"actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://v","display":{"en-GB":7}},"object":{"id":"http://o"},"result":{"score":{"raw":"5","min":"x"},"success":"true","completion":1,"response":3,"duration":"PT1,5S","extensions":"nope"}}',
  '{"actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://v"},"object":{"id":"http://o"},"context":{"platform":5,"language":["en"],"revision":true,"extensions":[1],"registration":"not-a-uuid"}}',
  '{"id":"NOT-A-UUID","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://v"},"object":{"id":"http://o"}}',
  '{"timestamp":"yesterday","actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://v"},"object":{"id":"http://o"}}',
  '{"actor":{"objectType":"Group","member":[{"account":{"homePage":"HTTP://X.org/","name":"n"}},{"openid":" http://o "}]},"verb":{"id":"http://v"},"object":{"objectType":"Agent","mbox_sha1sum":"ABC"}}',
  '{"actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://adlnet.gov/expapi/verbs/voided"},"object":{"objectType":"StatementRef","id":"00000000-0000-4000-8000-000000000001"},"attachments":[{"usageType":"http://u"},{}]}\r',
  // Not statements at all (not_a_statement), and a statement whose parts are not objects.
  '{"name":"alice"}',
  '{"actor":"alice","verb":"saw","object":"it"}',
  // A key used twice, nulls, keys in the wrong case: strict rejects them, lenient reads what it can.
  '{"actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://v"},"verb":{"id":"http://w"},"object":{"id":"http://o"}}',
  '{"actor":{"mbox":"mailto:a@example.com","name":null},"verb":{"id":"http://v","display":null},"object":{"id":"http://o","definition":{"name":{"en-US":null}}},"Result":{"success":true}}',
  // A SubStatement without objectType, single contextActivities objects, strings that look like dates or numbers.
  '{"actor":{"mbox":"mailto:a@example.com"},"verb":{"id":"http://v"},"object":{"actor":{"mbox":"mailto:b@example.com"},"verb":{"id":"http://w"},"object":{"id":"http://o"}}}',
  '{"actor":{"mbox":"mailto:a@example.com","name":"2024-01-01"},"verb":{"id":"http://v"},"object":{"id":"http://o"},"context":{"platform":"2024-03-04T10:00:00Z","revision":"12","contextActivities":{"parent":{"id":"http://p"},"category":[{"id":"https://w3id.org/xapi/video"}]}},"result":{"response":"true","score":{"raw":123456789012345678901234567890}}}',
];

const COMPARED = `line_number, raw_line, reject_reason, reject_detail, statement_id, has_id, timestamp, stored, version,
  actor_object_type, actor_name, actor_key, actor_member_keys, verb_id, verb_display, object_type, object_id,
  object_definition_type, object_name, registration, platform, language, context_parent_ids, context_grouping_ids,
  context_category_ids, context_other_ids, context_instructor_key, context_team_key, context_revision,
  context_statement_id, context_extensions, result_score_scaled, result_score_raw, result_score_min,
  result_score_max, result_success, result_completion, result_response, result_duration, result_duration_ms,
  result_extensions, voided_statement_id, authority_key, attachments_count, is_video`;

describe('lenient parse view = the full strict view in lenient mode', () => {
  let h: Harness;
  let dir: string;
  beforeAll(async () => {
    h = await startHarness();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-equivalence-'));
    // ingest_parsed is a Null table: a test-only copy keeps what each view wrote.
    await h.rt.engine.client.command({
      query:
        'CREATE TABLE parsed_capture AS ingest_parsed ENGINE = MergeTree ORDER BY (load_id, line_number)',
    });
    await h.rt.engine.client.command({
      query: 'CREATE MATERIALIZED VIEW parsed_capture_mv TO parsed_capture AS SELECT * FROM ingest_parsed',
    });
  });
  afterAll(async () => {
    await h?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Pushes the file through one entry table; returns the load id its rows carry. */
  const push = async (
    file: string,
    table: 'ingest_lines_lenient' | 'ingest_lines_strict',
    validation: string,
  ) => {
    const loadId = randomUUID();
    await h.rt.engine.client.command({
      query: `INSERT INTO ${table} (load_id, load_mode, validation, source_bucket, source_key, source_etag,
                source_size, source_time, line_number, section_id, event_type, line)
              SELECT {load_id:UUID}, 'equivalence', {validation:String}, '', 'k', 'e', 0,
                     toDateTime('2024-05-01 00:00:00', 'UTC'), _row_number + 1, 's1', 'video', line
              FROM file({file:String}, 'LineAsString')`,
      query_params: { load_id: loadId, validation, file },
    });
    return loadId;
  };

  const onlyIn = (a: string, b: string) =>
    h.query<{ line_number: number; reject_reason: string; raw_line: string }>(
      `SELECT ${COMPARED} FROM parsed_capture WHERE load_id = {a:UUID}
       EXCEPT SELECT ${COMPARED} FROM parsed_capture WHERE load_id = {b:UUID}
       ORDER BY line_number`,
      { a, b },
    );

  const cases: [string, () => string[]][] = [
    ['ADL conformance, valid', () => conformance('v1_0_3.valid.jsonl')],
    ['ADL conformance, invalid', () => conformance('v1_0_3.invalid.jsonl')],
    ['Open edX video events', () => openedx],
    ['ralph video sample', () => fs.readFileSync(RALPH_SAMPLE, 'utf8').split('\n').filter(Boolean)],
    [
      'generated video sessions (with voiding and broken lines)',
      () => [...generateLines({ sections: 2, learnersPerSection: 5, days: 3 })].map((l) => l.text),
    ],
    ['edge cases', () => edgeLines],
  ];

  it.each(cases)('%s: every column of every line is the same', async (name, lines) => {
    const all = lines();
    const file = path.join(dir, `${name.replace(/\W+/g, '-')}.jsonl`);
    fs.writeFileSync(file, `${all.join('\n')}\n`);
    const lean = await push(file, 'ingest_lines_lenient', 'lenient');
    const full = await push(file, 'ingest_lines_strict', 'lenient');

    const counts = await h.query<{ load_id: string; n: string }>(
      'SELECT load_id, count() AS n FROM parsed_capture WHERE load_id IN ({ids:Array(UUID)}) GROUP BY load_id',
      { ids: [lean, full] },
    );
    expect(counts.map((c) => Number(c.n))).toEqual([all.length, all.length]);
    expect(await onlyIn(lean, full)).toEqual([]);
    expect(await onlyIn(full, lean)).toEqual([]);
  });

  it('strict loads go through the full view: same analytics columns for valid statements, rules applied', async () => {
    const valid = conformance('v1_0_3.valid.jsonl');
    const file = path.join(dir, 'valid-strict.jsonl');
    fs.writeFileSync(file, `${valid.join('\n')}\n`);
    const lenient = await push(file, 'ingest_lines_lenient', 'lenient');
    const strict = await push(file, 'ingest_lines_strict', 'strict');
    expect(await onlyIn(lenient, strict)).toEqual([]);

    const invalid = path.join(dir, 'invalid-strict.jsonl');
    fs.writeFileSync(invalid, `${conformance('v1_0_3.invalid.jsonl').join('\n')}\n`);
    const strictInvalid = await push(invalid, 'ingest_lines_strict', 'strict');
    const [row] = await h.query<{ rule_ids: string }>(
      "SELECT countIf(reject_reason LIKE 'XAPI-%') AS rule_ids FROM parsed_capture WHERE load_id = {id:UUID}",
      { id: strictInvalid },
    );
    expect(Number(row?.rule_ids)).toBeGreaterThan(400);
  });
});
