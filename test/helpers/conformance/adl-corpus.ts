import fs from 'node:fs';
import path from 'node:path';
import { FIXTURES } from '../harness.js';
import { type CorpusPart, inPart } from './held-out.js';
import type { Case } from './judge.js';

/**
 * The ADL LRS conformance cases (test/fixtures/adl-conformance-v1_0_3, see SOURCES.md): 343 valid, 607 invalid
 * statements, one a line. `part` picks the invalid cases of the development or the held-out part (held-out.ts);
 * every valid case is in every part.
 */
export const ADL_CORPUS = path.join(FIXTURES, 'adl-conformance-v1_0_3');

interface AdlLine {
  case_id: string;
  requirement: string;
  test: string;
  statement: unknown;
}

export interface AdlCase extends Case {
  requirement: string;
  test: string;
}

export function adlCases(part: CorpusPart = 'all', dir = ADL_CORPUS): AdlCase[] {
  const read = (name: string, valid: boolean): AdlCase[] =>
    fs
      .readFileSync(path.join(dir, name), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as AdlLine)
      .map((c) => ({
        id: c.case_id,
        valid,
        statement: c.statement,
        requirement: c.requirement,
        test: c.test,
      }));
  return [
    ...read('v1_0_3.valid.jsonl', true),
    ...read('v1_0_3.invalid.jsonl', false).filter((c) => inPart(c.id, part)),
  ];
}
