import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judge } from '../helpers/conformance/judge.js';
import { type Harness, startHarness } from '../helpers/harness.js';

/**
 * Lenient rules, both modes: a JSON object that is not a statement at all (no actor, verb or object object) is
 * `not_a_statement`, not `invalid_json` (it is valid JSON) nor `missing_actor` (nothing of a statement is there).
 * A statement with a part missing is named by the lenient code in lenient mode and by the specification's rule
 * for the same fault in strict mode.
 */
const STATEMENT =
  '{"actor":{"mbox":"mailto:a@example.org"},"verb":{"id":"http://v.example.org/x"},"object":{"id":"http://o.example.org/1"}}';

/** A line, its lenient reason, and its strict reason when that differs. */
const lines: [string, string, string?][] = [
  ['{"name":"alice"}', 'not_a_statement'],
  ['{}', 'not_a_statement'],
  ['  {"hello": [1, 2, 3]}', 'not_a_statement'],
  ['{"actor":"alice","verb":"saw"}', 'not_a_statement'],
  ['{"actor":{"mbox":"mailto:a@example.org"}}', 'missing_verb_id', 'XAPI-00044'],
  [
    '{"verb":{"id":"http://v.example.org/x"},"object":{"id":"http://o.example.org/1"}}',
    'missing_actor',
    'XAPI-00003',
  ],
  ['{"name": broken', 'invalid_json'],
  ['[{"actor":{}}]', 'not_an_object'],
  [STATEMENT, ''],
];

describe('a JSON object that is not a statement', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('is rejected as not_a_statement in both modes, with a detail that says so', async () => {
    const outcomes = await judge(
      h.rt,
      lines.map(([line], i) => ({ id: String(i), valid: true, statement: null, line })),
    );
    expect(outcomes.map((o) => o.lenient.reason)).toEqual(lines.map(([, reason]) => reason));
    expect(outcomes.map((o) => o.strict.reason)).toEqual(lines.map(([, reason, strict]) => strict ?? reason));
    expect(outcomes[0]?.lenient.detail).toBe(
      'the line is a JSON object but not an xAPI statement: no actor, verb or object',
    );
  });
});
