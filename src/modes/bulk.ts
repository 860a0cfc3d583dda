import { randomUUID } from 'node:crypto';
import { InputError } from '../errors.js';
import { loadedVersions } from '../ledger/ledger.js';
import { ingest, totalsOf } from '../load/ingest.js';
import type { IngestResult } from '../load/ingest-types.js';
import { type BulkPlan, planBulk, type SectionDay } from '../plan/bulk-plan.js';
import { type SourceObject, scopedToSections } from '../plan/source-object.js';
import type { BulkPayload, Continuation } from '../requests/bulk-request.js';
import type { Runtime } from '../runtime-types.js';
import { type RejectionCounts, rejectionsByReason } from './rejections.js';
import { countsOf, type ModeResultBase, withFailureCause, zeroCounts } from './result.js';

/**
 * Bulk mode: plan a backfill from the key layout, then load it in few large batches. A backfill longer
 * than one invocation stops between batches when `timeUp` says so and returns a continuation (the key
 * after which to carry on); the Lambda hands it to a fresh invocation of itself. The ledger makes every
 * re-run cheap and exact: files already loaded at their ETag are skipped.
 */
export interface BulkProgress {
  filesDone: number;
  filesTotal: number;
  filesSkipped: number;
  bytesDone: number;
  bytesTotal: number;
  rowsDone: number;
}

export interface BudgetStats {
  batchesRun: number;
  longestBatchMs: number;
}

export interface BulkOptions {
  /** Asked before every batch but the first of an invocation: true stops and returns a continuation. */
  timeUp?: (stats: BudgetStats) => boolean;
  onProgress?: (p: BulkProgress) => void;
  /** Aborting stops between batches and cancels the running one; the result carries a continuation. */
  signal?: AbortSignal;
  /** See IngestOptions.deadlineAt. */
  deadlineAt?: number;
  /** Who claims the files (the Lambda request id); see IngestOptions.owner. */
  owner?: string;
}

export type RunTotals = Continuation['totals'];

export interface BulkModeResult extends ModeResultBase {
  processing_mode: 'bulk';
  dry_run: boolean;
  /** False when the time budget ran out: `continuation` says where the next invocation starts. */
  complete: boolean;
  bucket: string;
  prefix: string;
  start_date: string | null;
  end_date: string | null;
  force_reprocess: boolean;
  /** Planned files this invocation did not load because it stopped (time budget, or interrupted). */
  remaining_files: number;
  /** What this invocation planned (after the continuation cursor, if any). */
  planned: { files: number; bytes: number; already_loaded?: number; by_section_day: SectionDay[] };
  bytes_loaded: number;
  /** The whole backfill across invocations. */
  run: { run_id: string; invocation: number; started_at: string; totals: RunTotals };
  continuation?: Continuation;
  failed_files?: { key: string; error: string }[];
  /** Rejected lines by reason code, when any line was rejected. */
  rejected_by_reason?: RejectionCounts;
  retryable_failure: boolean;
}

/** Files per ledger look-up and ingest() call: bounds the size of one `IN (…)` list. */
const WINDOW_FILES = 5000;

export async function runBulk(
  rt: Runtime,
  payload: BulkPayload,
  options: BulkOptions = {},
): Promise<BulkModeResult> {
  const bucket = payload.s3_bucket ?? rt.config.s3.bucket;
  if (!bucket)
    throw new InputError('Invalid payload: s3_bucket is not given and S3_XAPI_BUCKET_NAME is not set');
  const sections = payload.section_id === undefined ? undefined : [payload.section_id].flat();
  const layout = rt.config.source.layout;
  const prefix = payload.s3_prefix ?? layout.head;
  const plan = await planBulk(rt.s3, {
    bucket,
    layout,
    prefix,
    sections,
    startDate: payload.start_date,
    endDate: payload.end_date,
    afterKey: payload.continuation?.after_key,
  });
  // A section in the statement, not the key: every file of the range is planned, and only these sections loaded.
  const scope = sections && !layout.has('section_id') ? sections : undefined;
  const prior = payload.continuation;
  const run = {
    run_id: prior?.run_id ?? randomUUID(),
    invocation: prior?.invocation ?? 1,
    started_at: prior?.started_at ?? new Date().toISOString(),
  };
  const base = {
    processing_mode: 'bulk' as const,
    section_id: sections === undefined ? null : sections.length === 1 ? (sections[0] as string) : sections,
    dry_run: payload.dry_run,
    bucket,
    prefix,
    start_date: payload.start_date ?? null,
    end_date: payload.end_date ?? null,
    force_reprocess: payload.force_reprocess,
  };
  const planned = { files: plan.files, bytes: plan.bytes, by_section_day: plan.by_section_day };

  if (payload.dry_run) {
    const already = payload.force_reprocess
      ? 0
      : await countLoaded(rt, scope ? plan.objects.map((o) => scopedToSections(o, scope)) : plan.objects);
    return {
      ...base,
      success: true,
      ...zeroCounts(),
      complete: true,
      planned: { ...planned, already_loaded: already },
      remaining_files: 0,
      bytes_loaded: 0,
      run: { ...run, totals: prior?.totals ?? emptyTotals() },
      retryable_failure: false,
    };
  }

  const loaded = await loadInWindows(rt, plan, payload.force_reprocess, options, scope);
  const counts = countsOf(loaded.totals);
  const totals = addTotals(prior?.totals ?? emptyTotals(), counts, loaded.totals.bytes);
  const failed = loaded.files.filter((f) => f.outcome === 'failed');
  const result: BulkModeResult = {
    ...base,
    success: failed.length === 0,
    ...counts,
    complete: loaded.stoppedAfterKey === undefined,
    remaining_files: plan.files - loaded.files.length,
    planned,
    bytes_loaded: loaded.totals.bytes,
    run: { ...run, totals },
    retryable_failure: loaded.retryableFailure,
    ...(failed.length > 0
      ? { failed_files: failed.slice(0, 20).map((f) => ({ key: f.key, error: f.error ?? '' })) }
      : {}),
    ...(counts.events_rejected > 0
      ? {
          rejected_by_reason: await rejectionsByReason(
            rt.engine.client,
            loaded.files.map((f) => f.load_id),
          ),
        }
      : {}),
  };
  withFailureCause(result, loaded.retryableError);
  if (loaded.stoppedAfterKey !== undefined) {
    result.continuation = {
      after_key: loaded.stoppedAfterKey,
      run_id: run.run_id,
      invocation: run.invocation + 1,
      started_at: run.started_at,
      totals,
    };
  }
  return result;
}

/** The payload that carries on a stopped backfill (same request, plus the cursor). */
export function continuationPayload(payload: BulkPayload, continuation: Continuation): BulkPayload {
  return { ...payload, mode: 'bulk', dry_run: false, continuation };
}

interface WindowedResult extends IngestResult {
  /** Set when the budget ran out: every planned key up to and including it is done. */
  stoppedAfterKey?: string;
}

async function loadInWindows(
  rt: Runtime,
  plan: BulkPlan,
  force: boolean,
  options: BulkOptions,
  sections: string[] | undefined,
): Promise<WindowedResult> {
  const all: Omit<IngestResult, 'totals'> = { files: [], retryableFailure: false, remaining: [] };
  const progress: BulkProgress = {
    filesDone: 0,
    filesTotal: plan.files,
    filesSkipped: 0,
    bytesDone: 0,
    bytesTotal: plan.bytes,
    rowsDone: 0,
  };
  const budget = budgetGate(options.timeUp);
  for (let start = 0; start < plan.objects.length; start += WINDOW_FILES) {
    const window = plan.objects.slice(start, start + WINDOW_FILES);
    const before = { ...progress };
    const r = await ingest(rt, window, {
      owner: options.owner,
      mode: 'bulk',
      force,
      ...(sections ? { sections } : {}),
      shouldStop: budget.shouldStop,
      signal: options.signal,
      deadlineAt: options.deadlineAt,
      onProgress: (p) => {
        const skipped = window.length - p.filesTotal;
        options.onProgress?.({
          ...before,
          filesDone: before.filesDone + skipped + p.filesDone,
          filesSkipped: before.filesSkipped + skipped,
          bytesDone: before.bytesDone + p.bytesDone,
          rowsDone: before.rowsDone + p.rowsDone,
        });
      },
    });
    all.files.push(...r.files);
    all.retryableFailure ||= r.retryableFailure;
    all.retryableError ??= r.retryableError;
    for (const f of r.files) {
      progress.filesDone += 1;
      if (f.outcome === 'skipped') progress.filesSkipped += 1;
      else progress.bytesDone += f.size;
      progress.rowsDone += f.lines;
    }
    options.onProgress?.({ ...progress });
    if (r.files.length < window.length) {
      const done = new Set(all.files.map((f) => f.key));
      return { ...all, totals: totalsOf(all.files), stoppedAfterKey: cursorOf(plan.objects, done) };
    }
  }
  return { ...all, totals: totalsOf(all.files) };
}

/** The last key such that it and every key before it are done (keys are in load order). */
function cursorOf(objects: SourceObject[], done: Set<string>): string {
  let cursor = '';
  for (const o of objects) {
    if (!done.has(o.key)) break;
    cursor = o.key;
  }
  return cursor;
}

/** Lets the first batch of an invocation always run (so every invocation makes progress), then asks the budget. */
function budgetGate(timeUp: BulkOptions['timeUp']) {
  const stats: BudgetStats = { batchesRun: 0, longestBatchMs: 0 };
  let lastStart: number | undefined;
  return {
    shouldStop(): boolean {
      const now = Date.now();
      if (lastStart !== undefined) stats.longestBatchMs = Math.max(stats.longestBatchMs, now - lastStart);
      if (stats.batchesRun > 0 && timeUp?.({ ...stats })) return true;
      stats.batchesRun += 1;
      lastStart = now;
      return false;
    },
  };
}

async function countLoaded(rt: Runtime, objects: SourceObject[]): Promise<number> {
  let n = 0;
  for (let i = 0; i < objects.length; i += WINDOW_FILES) {
    n += (await loadedVersions(rt.engine.client, objects.slice(i, i + WINDOW_FILES))).size;
  }
  return n;
}

function emptyTotals(): RunTotals {
  return {
    files_processed: 0,
    files_skipped: 0,
    files_failed: 0,
    events_processed: 0,
    video_events_processed: 0,
    events_rejected: 0,
    bytes: 0,
  };
}

function addTotals(t: RunTotals, c: ReturnType<typeof countsOf>, bytes: number): RunTotals {
  return {
    files_processed: t.files_processed + c.files_processed,
    files_skipped: t.files_skipped + c.files_skipped,
    files_failed: t.files_failed + c.files_failed,
    events_processed: t.events_processed + c.events_processed,
    video_events_processed: t.video_events_processed + c.video_events_processed,
    events_rejected: t.events_rejected + c.events_rejected,
    bytes: t.bytes + bytes,
  };
}
