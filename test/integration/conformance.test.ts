import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { measureConformance } from '../../src/conformance/adl-conformance.js';
import { FIXTURES, type Harness, startHarness } from '../helpers/harness.js';

describe('xAPI validation on the ADL LRS conformance cases (npm run conformance prints the same figure)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h?.close();
  });

  it('loads all 343 valid cases in both modes and rejects at least 90% of the 607 invalid ones in strict mode', async () => {
    const f = await measureConformance(h.rt, path.join(FIXTURES, 'adl-conformance-v1_0_3'));
    console.log(
      `conformance: valid ${f.valid.loadedLenient}/${f.valid.cases} lenient, ${f.valid.loadedStrict}/${f.valid.cases} strict; ` +
        `invalid rejected in strict mode ${f.invalid.rejectedStrict}/${f.invalid.cases} (${f.invalid.rejectedStrictPercent}%)`,
    );
    expect(f.valid.cases).toBe(343);
    expect(f.invalid.cases).toBe(607);
    expect(f.valid.loadedLenient).toBe(343);
    expect(f.valid.loadedStrict).toBe(343);
    expect(f.invalid.rejectedStrict / f.invalid.cases).toBeGreaterThanOrEqual(0.9);
    // Every strict rejection names its rule: a lenient reason code or an XAPI-000NN requirement id.
    for (const reason of Object.keys(f.strictReasons)) expect(reason).toMatch(/^(XAPI-\d{5}|[a-z_]+)$/);
    // Lenient mode only rejects what cannot be an analytics row.
    expect(f.invalid.rejectedLenient).toBeLessThan(f.invalid.rejectedStrict / 10);
  });
});
