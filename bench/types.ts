/** What the orchestrator (run.ts) asks one child process to measure, and what it gets back. */
export type Source =
  | { kind: 'file'; path: string }
  | { kind: 's3'; bucket: string; key: string }
  /** Every bundle in a bucket, through bulk mode (planning by listing included). */
  | { kind: 's3-bulk'; bucket: string; startDate: string; endDate: string };

export type ScenarioName = 'full' | 'naive' | 'raw' | 'per-column' | 'strict';

export interface ScenarioSpec {
  scenario: ScenarioName;
  source: Source;
  /** Embedded engine data directory: one per child process, removed by the orchestrator. */
  dataDir: string;
  /** Session settings applied before the timed section (tuning experiments). */
  settings?: Record<string, string | number>;
}

export interface ScenarioResult {
  ms: number;
  /** Lines read from the source (statements + rejected). */
  lines: number;
  /** Rows written to the target tables, as the scenario counts them. */
  rows: number;
  /** Process RSS once the engine is open and migrated, before the timed section. */
  baseRssBytes: number;
  /** Peak process RSS during the timed section (VmHWM after a reset). */
  peakRssBytes: number;
  detail?: Record<string, unknown>;
}
