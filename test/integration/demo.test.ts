import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runQuery } from '../../src/cli/run-query.js';
import { loadConfig } from '../../src/config/env.js';
import { createRuntime } from '../../src/runtime.js';
import { type DemoResult, runDemo } from '../../src/tools/demo/run-demo.js';

/**
 * `npm run demo` end to end, twice, in a fresh data directory: the numbers it prints must be what
 * `xapi-etl query` answers on the same data, and the second run must load nothing.
 */
describe('npm run demo', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-demo-'));
  const reportPath = path.join(dir, 'report.html');
  const output: string[] = [];
  let first: DemoResult;

  // The first run is every test's starting point; a test that runs the demo again changes no number.
  beforeAll(async () => {
    first = await runDemo({ dataDir: dir, reportPath, log: (l) => output.push(l) });
  }, 300_000);
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('loads live uploads through the handler in event mode and the history through a bulk backfill', () => {
    const { uploaded } = first;
    expect(first.events).toHaveLength(uploaded.live);
    for (const e of first.events) {
      expect(e).toMatchObject({
        success: true,
        processing_mode: 'event',
        files_processed: 1,
        files_skipped: 0,
      });
    }
    expect(first.dryRun).toMatchObject({
      success: true,
      dry_run: true,
      files_processed: 0,
      events_processed: 0,
    });
    expect(first.dryRun.planned.files).toBe(uploaded.history + uploaded.live);
    expect(first.dryRun.planned.already_loaded).toBe(uploaded.live);
    expect(first.bulk).toMatchObject({
      success: true,
      dry_run: false,
      files_processed: uploaded.history,
      files_skipped: uploaded.live,
    });
    // Every generated line is accounted for: statements + voiding statements loaded, broken ones rejected.
    const loaded = first.bulk.events_processed + first.events.reduce((n, e) => n + e.events_processed, 0);
    expect(loaded).toBe(uploaded.statements + uploaded.voiding);
    expect(first.summary).toMatchObject({
      files_loaded: uploaded.history + uploaded.live,
      statements: uploaded.statements + uploaded.voiding,
      voided: uploaded.voiding,
      rejected: uploaded.broken,
    });
    expect(output.some((l) => l.includes('backfill 100%'))).toBe(true);
    const html = fs.readFileSync(first.report.file, 'utf8');
    expect(html.match(/<svg/g)?.length).toBeGreaterThanOrEqual(5);
    console.log(`demo wall time: ${(first.wallMs / 1000).toFixed(1)} s`);
  });

  it('a second run skips every file and reports the same numbers', async () => {
    const second = await runDemo({ dataDir: dir, reportPath, log: () => undefined });
    for (const e of second.events) expect(e).toMatchObject({ files_processed: 0, files_skipped: 1 });
    expect(second.dryRun.planned.already_loaded).toBe(second.dryRun.planned.files);
    expect(second.bulk).toMatchObject({ files_processed: 0, events_processed: 0 });
    expect(second.bulk.files_skipped).toBe(second.dryRun.planned.files);
    expect(second.summary).toEqual(first.summary);
  }, 300_000);

  it('prints the numbers that `xapi-etl query` gives on the same data', async () => {
    const rt = await createRuntime(loadConfig({ ...process.env, XAPI_ETL_DATA_DIR: dir }));
    const q = async (sql: string) =>
      (await runQuery(rt, sql, { format: 'JSONEachRow' }))
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, string | number>);
    try {
      const [counts] = await q(`SELECT
          (SELECT count() FROM statements FINAL) AS statements,
          (SELECT count() FROM statements_active) AS active,
          (SELECT count() FROM video_events_active) AS video_events,
          (SELECT count() FROM rejected_statements FINAL) AS rejected,
          (SELECT count() FROM ingested_files FINAL WHERE status = 'loaded') AS files`);
      const s = first.summary;
      expect(Object.values(counts ?? {}).map(Number)).toEqual([
        s.statements,
        s.active_statements,
        s.video_events,
        s.rejected,
        s.files_loaded,
      ]);
      const reasons = await q('SELECT reason, count() AS n FROM rejected_statements FINAL GROUP BY reason');
      expect(Object.fromEntries(reasons.map((r) => [r.reason, Number(r.n)]))).toEqual(
        Object.fromEntries(s.rejected_by_reason.map((r) => [r.reason, r.lines])),
      );
      const completion = await q(
        'SELECT section_id, countIf(completed) AS done, count() AS viewers FROM video_viewers GROUP BY section_id ORDER BY section_id',
      );
      expect(completion.map((c) => [c.section_id, Number(c.done), Number(c.viewers)])).toEqual(
        s.completion_by_section.map((c) => [c.section_id, c.completers, c.viewers]),
      );
    } finally {
      await rt.close();
    }
  });
});
