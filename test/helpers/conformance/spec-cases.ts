import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES } from '../harness.js';
import type { Case } from './judge.js';

/**
 * Our own cases (test/fixtures/xapi-spec-cases, see SOURCES.md), written from the text of xAPI 1.0.3 for each
 * family of rules issue #15 names: each valid or invalid, an invalid one labelled with the rule it breaks.
 */
export const SPEC_CASES = path.join(FIXTURES, 'xapi-spec-cases', 'cases.jsonl');
/** The same, from the text of xAPI 2.0 (IEEE 9274.1.1-2023): what 2.0 changed, by family (issue #23). */
export const SPEC_CASES_2_0 = path.join(FIXTURES, 'xapi-spec-cases', 'cases-2.0.jsonl');

interface SpecLine {
  case_id: string;
  family: string;
  valid: boolean;
  rule: string;
  section: string;
  says: string;
  statement?: unknown;
  line?: string;
}

export interface SpecCase extends Case {
  family: string;
  rule: string;
  section: string;
  says: string;
}

export function specCases(file = SPEC_CASES): SpecCase[] {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as SpecLine)
    .map((c) => ({
      id: c.case_id,
      valid: c.valid,
      statement: c.statement,
      ...(c.line ? { line: c.line } : {}),
      family: c.family,
      rule: c.rule,
      section: c.section,
      says: c.says,
    }));
}
