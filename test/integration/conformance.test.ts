import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConformanceReport, conformanceReport } from '../helpers/conformance/figures.js';
import { type Harness, startHarness } from '../helpers/harness.js';

/**
 * A strict rejection of a statement names its rule: an ADL suite id or our DATA-<section> id (a line that is
 * no statement at all keeps its code: not_a_statement, invalid_json, …, none of them in the ADL suite).
 */
const RULE_ID = /^(XAPI-\d{5}|DATA-\d+(\.[0-9a-z]+)+|DATA2-[A-Za-z]+(\.[A-Za-z]+)?)$/;

describe('xAPI validation (npm run conformance prints the same figures)', () => {
  let h: Harness;
  let report: ConformanceReport;
  beforeAll(async () => {
    h = await startHarness();
    report = await conformanceReport(h.rt);
  });
  afterAll(async () => {
    await h?.close();
  });

  it('ADL conformance: all 343 valid cases load in both modes, at least 98% of the 607 invalid ones are rejected in strict mode', () => {
    const { adl } = report;
    console.log(
      `conformance: valid ${adl.valid.loadedLenient}/${adl.valid.cases} lenient, ${adl.valid.loadedStrict}/${adl.valid.cases} strict; ` +
        `invalid rejected in strict mode ${adl.invalid.rejectedStrict}/${adl.invalid.cases} (${adl.invalid.rejectedStrictPercent}%): ` +
        `development ${adl.development.rejectedStrict}/${adl.development.cases}, held-out ${adl.heldOut.rejectedStrict}/${adl.heldOut.cases}`,
    );
    expect(adl.valid.cases).toBe(343);
    expect(adl.invalid.cases).toBe(607);
    expect(adl.falseRejections).toEqual([]);
    expect(adl.invalid.rejectedStrict / adl.invalid.cases).toBeGreaterThanOrEqual(0.98);
    for (const reason of Object.keys(adl.strictReasons)) expect(reason).toMatch(RULE_ID);
    // Lenient mode only rejects what cannot be an analytics row.
    expect(adl.invalid.rejectedLenient).toBeLessThan(adl.invalid.rejectedStrict / 10);
  });

  it('our cases from the specification: every valid one loads, every invalid one is rejected with the rule it breaks', () => {
    for (const f of report.spec) {
      console.log(
        `${f.family}: valid ${f.validLoaded}/${f.valid}, invalid rejected ${f.invalidRejected}/${f.invalid} (${f.withItsRule} with their rule)`,
      );
    }
    expect(report.spec.map((f) => f.family)).toEqual([
      'interaction components',
      'SubStatement',
      'Groups',
      'Context',
      'Attachments',
      'Values',
      '2.0: Context Agents',
      '2.0: Context Groups',
      '2.0: Timestamps',
      '2.0: Versions',
    ]);
    expect(report.spec.flatMap((f) => f.wrong)).toEqual([]);
  });
});
