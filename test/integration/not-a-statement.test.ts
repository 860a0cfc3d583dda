import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judge } from '../helpers/conformance/judge.js';
import { type Harness, startHarness } from '../helpers/harness.js';

/**
 * Lenient rules, both modes: a JSON object that is not a statement at all (no actor, verb or object object) is
 * `not_a_statement`, not `invalid_json` (it is valid JSON) nor `missing_actor` (nothing of a statement is there).
 */
const STATEMENT =
  '{"actor":{"mbox":"mailto:a@example.org"},"verb":{"id":"http://v.example.org/x"},"object":{"id":"http://o.example.org/1"}}';

const lines: [string, string][] = [
  ['{"name":"alice"}', 'not_a_statement'],
  ['{}', 'not_a_statement'],
  ['  {"hello": [1, 2, 3]}', 'not_a_statement'],
  ['{"actor":"alice","verb":"saw"}', 'not_a_statement'],
  ['{"actor":{"mbox":"mailto:a@example.org"}}', 'missing_verb_id'],
  ['{"verb":{"id":"http://v.example.org/x"},"object":{"id":"http://o.example.org/1"}}', 'missing_actor'],
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
    for (const mode of ['lenient', 'strict'] as const) {
      expect(
        outcomes.map((o) => o[mode].reason),
        mode,
      ).toEqual(lines.map(([, reason]) => reason));
    }
    expect(outcomes[0]?.lenient.detail).toBe(
      'the line is a JSON object but not an xAPI statement: no actor, verb or object',
    );
  });
});
