import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ingest } from '../../../src/load/ingest.js';
import { localSourceObjects } from '../../../src/plan/local-files.js';
import type { Runtime } from '../../../src/runtime.js';

/** A statement to judge, and what it should be. */
export interface Case {
  id: string;
  valid: boolean;
  statement: unknown;
  /** The line as written, when JSON.stringify cannot write it (a key used twice). */
  line?: string;
  /** For a case of our own: the family of rules it belongs to, and the rule an invalid one breaks. */
  family?: string;
  rule?: string;
}

export interface Verdict {
  loaded: boolean;
  reason: string;
  detail: string;
}

export interface Outcome {
  case: Case;
  lenient: Verdict;
  strict: Verdict;
}

/**
 * Loads the cases through the real path, once per validation mode: one JSONL file, read by file() into the
 * mode's entry table and parse view, exactly as `xapi-etl process` loads it. Then reads back, line by line,
 * what was rejected and why.
 */
export async function judge(rt: Runtime, cases: Case[]): Promise<Outcome[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-judge-'));
  try {
    const verdicts = async (validation: 'lenient' | 'strict'): Promise<Verdict[]> => {
      const file = path.join(dir, `cases.${validation}.jsonl`);
      fs.writeFileSync(file, `${cases.map((c) => c.line ?? JSON.stringify(c.statement)).join('\n')}\n`);
      const modeRt: Runtime = { ...rt, config: { ...rt.config, validation } };
      const result = await ingest(modeRt, localSourceObjects([file]), { mode: 'conformance', force: true });
      if (result.totals.files_failed > 0) throw new Error(result.files[0]?.error ?? 'load failed');
      const rs = await rt.engine.client.query({
        query: `SELECT line_number, reason, detail FROM rejected_statements FINAL
                WHERE source_key = {key:String} AND load_id IN (
                  SELECT load_id FROM ingested_files FINAL WHERE key = {key:String})`,
        query_params: { key: file },
        format: 'JSONEachRow',
      });
      const rows = await rs.json<{ line_number: number | string; reason: string; detail: string }>();
      const byLine = new Map(rows.map((r) => [Number(r.line_number), r]));
      return cases.map((_, i) => {
        const r = byLine.get(i + 1);
        return { loaded: !r, reason: r?.reason ?? '', detail: r?.detail ?? '' };
      });
    };
    const lenient = await verdicts('lenient');
    const strict = await verdicts('strict');
    return cases.map((c, i) => ({ case: c, lenient: lenient[i] as Verdict, strict: strict[i] as Verdict }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Rejected / total of the invalid cases in strict mode, and how many valid cases each mode loads. */
export interface Figures {
  valid: { cases: number; loadedLenient: number; loadedStrict: number };
  invalid: { cases: number; rejectedLenient: number; rejectedStrict: number; rejectedStrictPercent: number };
}

export function figuresOf(outcomes: Outcome[]): Figures {
  const valid = outcomes.filter((o) => o.case.valid);
  const invalid = outcomes.filter((o) => !o.case.valid);
  const rejectedStrict = invalid.filter((o) => !o.strict.loaded).length;
  return {
    valid: {
      cases: valid.length,
      loadedLenient: valid.filter((o) => o.lenient.loaded).length,
      loadedStrict: valid.filter((o) => o.strict.loaded).length,
    },
    invalid: {
      cases: invalid.length,
      rejectedLenient: invalid.filter((o) => !o.lenient.loaded).length,
      rejectedStrict,
      rejectedStrictPercent:
        invalid.length === 0 ? 0 : Math.round((1000 * rejectedStrict) / invalid.length) / 10,
    },
  };
}
