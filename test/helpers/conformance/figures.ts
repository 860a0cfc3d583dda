import type { Runtime } from '../../../src/runtime.js';
import { adlCases } from './adl-corpus.js';
import { isHeldOut } from './held-out.js';
import { type Case, type Figures, figuresOf, judge, type Outcome } from './judge.js';
import { SPEC_CASES_2_0, type SpecCase, specCases } from './spec-cases.js';

/** What `npm run conformance` prints and test/integration/conformance.test.ts asserts. */
export interface ConformanceReport {
  adl: Figures & {
    development: Figures['invalid'];
    heldOut: Figures['invalid'];
    /** Strict rejections of invalid cases, by reason (a rule id, or a lenient reason code). */
    strictReasons: Record<string, number>;
    /** Invalid cases strict mode let through, and valid cases a mode rejected. */
    missed: { id: string; requirement: string; test: string }[];
    falseRejections: { id: string; mode: string; reason: string; detail: string }[];
  };
  /** Our cases, per family: valid loaded in both modes; invalid rejected, and rejected with the labelled rule. */
  spec: {
    family: string;
    valid: number;
    validLoaded: number;
    invalid: number;
    invalidRejected: number;
    withItsRule: number;
    wrong: { id: string; expected: string; got: string }[];
  }[];
}

export async function conformanceReport(rt: Runtime): Promise<ConformanceReport> {
  const adl = await judge(rt, adlCases('all'));
  const spec = await judge(rt, [...specCases(), ...specCases(SPEC_CASES_2_0)]);
  return { adl: adlFigures(adl), spec: specFigures(spec) };
}

function adlFigures(outcomes: Outcome[]): ConformanceReport['adl'] {
  const invalid = outcomes.filter((o) => !o.case.valid);
  const part = (heldOut: boolean) =>
    figuresOf(invalid.filter((o) => isHeldOut(o.case.id) === heldOut)).invalid;
  const strictReasons: Record<string, number> = {};
  for (const o of invalid)
    if (!o.strict.loaded) strictReasons[o.strict.reason] = (strictReasons[o.strict.reason] ?? 0) + 1;
  const info = (c: Case) => c as Case & { requirement: string; test: string };
  return {
    ...figuresOf(outcomes),
    development: part(false),
    heldOut: part(true),
    strictReasons,
    missed: invalid
      .filter((o) => o.strict.loaded)
      .map((o) => ({ id: o.case.id, requirement: info(o.case).requirement, test: info(o.case).test })),
    falseRejections: outcomes
      .filter((o) => o.case.valid)
      .flatMap((o) =>
        (['lenient', 'strict'] as const)
          .filter((m) => !o[m].loaded)
          .map((m) => ({ id: o.case.id, mode: m, reason: o[m].reason, detail: o[m].detail })),
      ),
  };
}

function specFigures(outcomes: Outcome[]): ConformanceReport['spec'] {
  const families = [...new Set(outcomes.map((o) => (o.case as SpecCase).family))];
  return families.map((family) => {
    const mine = outcomes.filter((o) => (o.case as SpecCase).family === family);
    const valid = mine.filter((o) => o.case.valid);
    const invalid = mine.filter((o) => !o.case.valid);
    const got = (o: Outcome) => (o.strict.loaded ? 'loaded' : o.strict.reason);
    const right = (o: Outcome) =>
      o.case.valid
        ? o.strict.loaded && o.lenient.loaded
        : !o.strict.loaded && o.strict.reason === o.case.rule;
    return {
      family,
      valid: valid.length,
      validLoaded: valid.filter((o) => o.strict.loaded && o.lenient.loaded).length,
      invalid: invalid.length,
      invalidRejected: invalid.filter((o) => !o.strict.loaded).length,
      withItsRule: invalid.filter(right).length,
      wrong: mine
        .filter((o) => !right(o))
        .map((o) => ({
          id: o.case.id,
          expected: o.case.valid ? 'loaded' : (o.case.rule ?? ''),
          got: got(o),
        })),
    };
  });
}
