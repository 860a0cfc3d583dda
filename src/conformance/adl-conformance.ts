import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ingest } from '../load/ingest.js';
import { localSourceObjects } from '../plan/local-files.js';
import type { Runtime } from '../runtime.js';

/**
 * Measures validation against the ADL LRS conformance cases (adl-conformance-v1_0_3): every valid case
 * must load in both modes; in strict mode the invalid ones should be rejected. The statements go through
 * the real load path (file() → the mode's entry table → its parse view), once per mode.
 */
export interface ConformanceFigures {
  valid: { cases: number; loadedLenient: number; loadedStrict: number };
  invalid: { cases: number; rejectedLenient: number; rejectedStrict: number; rejectedStrictPercent: number };
  /** Strict-mode rejections of invalid cases, by reason (the XAPI rule id). */
  strictReasons: Record<string, number>;
  /** Invalid cases strict mode let through, with the rule each one breaks. */
  missed: { caseId: string; requirement: string; test: string }[];
}

interface ConformanceCase {
  case_id: string;
  requirement: string;
  test: string;
  statement: unknown;
}

export async function measureConformance(rt: Runtime, corpusDir: string): Promise<ConformanceFigures> {
  const read = (name: string): ConformanceCase[] =>
    fs
      .readFileSync(path.join(corpusDir, name), 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as ConformanceCase);
  const valid = read('v1_0_3.valid.jsonl');
  const invalid = read('v1_0_3.invalid.jsonl');

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-conformance-'));
  try {
    const run = async (cases: ConformanceCase[], name: string, validation: 'lenient' | 'strict') => {
      const file = path.join(dir, `${name}.${validation}.jsonl`);
      fs.writeFileSync(file, `${cases.map((c) => JSON.stringify(c.statement)).join('\n')}\n`);
      const modeRt: Runtime = { ...rt, config: { ...rt.config, validation } };
      const result = await ingest(modeRt, localSourceObjects([file]), { mode: 'conformance', force: true });
      if (result.totals.files_failed > 0) throw new Error(result.files[0]?.error ?? 'load failed');
      return { totals: result.totals, file };
    };
    const validLenient = await run(valid, 'valid', 'lenient');
    const validStrict = await run(valid, 'valid', 'strict');
    const invalidLenient = await run(invalid, 'invalid', 'lenient');
    const invalidStrict = await run(invalid, 'invalid', 'strict');

    const rs = await rt.engine.client.query({
      query: `SELECT line_number, reason FROM rejected_statements FINAL
              WHERE source_key = {key:String} AND load_id IN (
                SELECT load_id FROM ingested_files FINAL WHERE key = {key:String})`,
      query_params: { key: invalidStrict.file },
      format: 'JSONEachRow',
    });
    const rows = await rs.json<{ line_number: number | string; reason: string }>();
    const rejectedLines = new Set(rows.map((r) => Number(r.line_number)));
    const strictReasons: Record<string, number> = {};
    for (const r of rows) strictReasons[r.reason] = (strictReasons[r.reason] ?? 0) + 1;
    const missed = invalid
      .map((c, i) => ({ c, line: i + 1 }))
      .filter(({ line }) => !rejectedLines.has(line))
      .map(({ c }) => ({ caseId: c.case_id, requirement: c.requirement, test: c.test }));

    const rejectedStrict = invalidStrict.totals.events_rejected;
    return {
      valid: {
        cases: valid.length,
        loadedLenient: validLenient.totals.events_processed,
        loadedStrict: validStrict.totals.events_processed,
      },
      invalid: {
        cases: invalid.length,
        rejectedLenient: invalidLenient.totals.events_rejected,
        rejectedStrict,
        rejectedStrictPercent: Math.round((1000 * rejectedStrict) / invalid.length) / 10,
      },
      strictReasons,
      missed,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
