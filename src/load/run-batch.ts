import { refreshAnalytics } from '../analytics/refresh.js';
import { forwardToAspects } from '../aspects/forward.js';
import { recordSuperseded } from '../cleanup/superseded.js';
import { classifyEngineError } from '../engine/error-classes.js';
import { stopQueries, watchQuery } from '../engine/running-queries.js';
import { DeadlineReached, EngineError, errorMessage, XapiEtlError } from '../errors.js';
import type { Claim } from '../ledger/claims.js';
import { type FileCounts, type LedgerWrite, recordFiles } from '../ledger/ledger.js';
import type { Runtime } from '../runtime-types.js';
import { resolveVoids } from '../voiding/resolve-voids.js';
import type { FileResult, IngestOptions, IngestProgress } from './ingest-types.js';
import { loadBatch } from './load-batch.js';
import type { S3Access } from './s3-access.js';

/**
 * One batch of claimed files, step by step:
 *   ledger `loading` → the INSERT → earlier loads recorded as superseded → voids resolved → analytics refreshed
 *   → statements forwarded to Aspects (if configured) → ledger `loaded` → the files' results.
 * No mutation: a reload's rows replace the earlier loads' by each table's key, and what is left of those is
 * deleted off the load path (src/cleanup/cleanup.ts).
 * Every query carries the batch's marker (progress, Ctrl-C, a takeover's check). A file's result is given once,
 * when its outcome is final: a failure anywhere (the last ledger write included) makes the whole batch `failed`,
 * with its rows left under the claim id for the next load of the file to replace (claims.ts).
 */
export interface BatchContext {
  rt: Runtime;
  claims: Claim[];
  marker: string;
  options: IngestOptions;
  progress: IngestProgress;
  access: S3Access | undefined;
}

/** `retry`: a transient failure; the caller rethrows it so the event comes back. */
export type BatchOutcome = { kind: 'done' } | { kind: 'cancelled' } | { kind: 'retry'; error: XapiEtlError };

/** How often a running batch's progress is read (only when someone listens: onProgress). */
const PROGRESS_INTERVAL_MS = 500;

/** The ledger's word for a batch cancelled by the user: `failed`, so that a re-run loads it again. */
const INTERRUPTED = 'interrupted before it finished (Ctrl-C); a re-run loads it';

export async function runBatch(ctx: BatchContext): Promise<{ outcome: BatchOutcome; results: FileResult[] }> {
  const startedAt = new Date();
  const cancel = () => void stopQueries(ctx.rt.engine, ctx.marker);
  ctx.options.signal?.addEventListener('abort', cancel, { once: true });
  const watch = watchProgress(ctx);
  try {
    await markLoading(ctx, startedAt);
    const counts = await insertBatch(ctx);
    await recordEarlierLoads(ctx);
    // The bytes read are all read: the queries below carry the marker too and must not report 0.
    await watch?.stop();
    await resolveBatchVoids(ctx);
    await refreshBatchAnalytics(ctx);
    await forwardBatch(ctx);
    const results = fileResults(ctx, counts);
    await markFinished(ctx, startedAt, results);
    return { outcome: { kind: 'done' }, results };
  } catch (cause) {
    return failBatch(ctx, startedAt, cause);
  } finally {
    ctx.options.signal?.removeEventListener('abort', cancel);
    await watch?.stop();
  }
}

function ledgerWrite(ctx: BatchContext, claim: Claim, startedAt: Date): LedgerWrite {
  return {
    object: claim.object,
    mode: ctx.options.mode,
    loadId: claim.claimId,
    startedAt,
    status: 'loading',
  };
}

async function markLoading(ctx: BatchContext, startedAt: Date): Promise<void> {
  await recordFiles(
    ctx.rt.engine.client,
    ctx.claims.map((c) => ledgerWrite(ctx, c, startedAt)),
    ctx.rt.config.source.layout,
  );
}

/**
 * A reload, retry or takeover: the earlier loads of its files are superseded, once this load's rows are in (if
 * it fails before, they stay what the files hold).
 */
function recordEarlierLoads(ctx: BatchContext): Promise<void> {
  return recordSuperseded(
    ctx.rt.engine.client,
    ctx.claims.flatMap((c) =>
      c.earlier.map((loadId) => ({
        loadId,
        sectionId: ctx.rt.config.source.layout.parse(c.object.key)?.sectionId ?? '',
        supersededBy: c.claimId,
      })),
    ),
  );
}

function insertBatch(ctx: BatchContext): Promise<Map<string, FileCounts>> {
  return notPastDeadline(ctx.options.signal, insert(ctx));
}

/**
 * At the Lambda's deadline the INSERT is killed (the signal's listener above), but an engine notices a kill only
 * at its next check (a blocked S3 read can take seconds): the invocation waits for it half its margin, then
 * answers without it. The file is then `failed`, and its retry waits until no query of this load runs
 * (src/ledger/claims.ts), so the late end of the old INSERT never meets the retry's rows. Ctrl-C waits.
 */
function notPastDeadline<T>(signal: AbortSignal | undefined, work: Promise<T>): Promise<T> {
  if (!signal) return work;
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      const reason = signal.reason;
      if (reason instanceof DeadlineReached) timer = setTimeout(() => reject(reason), reason.graceMs);
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolve, reject).finally(() => {
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
    });
  });
}

function insert(ctx: BatchContext): Promise<Map<string, FileCounts>> {
  return loadBatch(
    ctx.rt,
    ctx.claims.map((c) => ({ object: c.object, loadId: c.claimId })),
    ctx.marker,
    ctx.options.mode,
    ctx.access,
    ctx.options.deadlineAt,
    ctx.options.sections,
  );
}

/** The loads of this batch, and those it replaces (their analytics are forgotten with them). */
const batchLoadIds = (ctx: BatchContext) => [
  ...ctx.claims.map((c) => c.claimId),
  ...ctx.claims.flatMap((c) => c.earlier),
];

function resolveBatchVoids(ctx: BatchContext): Promise<void> {
  return resolveVoids(
    ctx.rt.engine.client,
    ctx.claims.map((c) => c.claimId),
    { schema: ctx.rt.engine.schema, marker: ctx.marker },
  );
}

/** The analytics include this load (and forget the earlier ones) before anyone is told it is loaded. */
function refreshBatchAnalytics(ctx: BatchContext): Promise<void> {
  return refreshAnalytics(ctx.rt.engine.client, batchLoadIds(ctx), {
    schema: ctx.rt.engine.schema,
    marker: ctx.marker,
  });
}

/** Aspects' raw table gets the batch's statements it does not hold yet (src/aspects/forward.ts). */
async function forwardBatch(ctx: BatchContext): Promise<void> {
  const table = ctx.rt.config.aspectsTable;
  if (!table) return;
  await forwardToAspects(
    ctx.rt.engine.client,
    table,
    ctx.claims.map((c) => c.claimId),
    { schema: ctx.rt.engine.schema, marker: ctx.marker },
  );
}

/** Each file's counts; bytes but no lines read at the planned ETag: the object changed between planning and loading. */
function fileResults(ctx: BatchContext, counts: Map<string, FileCounts>): FileResult[] {
  return ctx.claims.map((claim) => {
    const object = claim.object;
    const c = counts.get(`${object.key}\u0000${object.etag}`) ?? zeroCounts();
    // A load of some sections only may find none of them in a file: that is no sign of a changed object.
    const superseded = c.lines === 0 && object.size > 0 && object.s3Etag === undefined;
    return { ...object, ...c, outcome: superseded ? 'superseded' : 'loaded', load_id: claim.claimId };
  });
}

async function markFinished(ctx: BatchContext, startedAt: Date, results: FileResult[]): Promise<void> {
  const finishedAt = new Date();
  await recordFiles(
    ctx.rt.engine.client,
    ctx.claims.map((claim, i) => {
      const r = results[i] as FileResult;
      const superseded = r.outcome === 'superseded';
      return {
        ...ledgerWrite(ctx, claim, startedAt),
        status: superseded ? 'superseded' : 'loaded',
        finishedAt,
        counts: r,
        error: superseded ? 'object changed or vanished between planning and loading' : undefined,
      };
    }),
    ctx.rt.config.source.layout,
  );
}

/**
 * The batch failed: each file is `failed` once, with the reason, and whether a retry can help is decided by the
 * error (src/engine/error-classes.ts). The ledger says so if it can; when even that fails (the engine is down)
 * it stays `loading`, and the claim's lease lets a retry take the load over.
 */
async function failBatch(
  ctx: BatchContext,
  startedAt: Date,
  cause: unknown,
): Promise<{ outcome: BatchOutcome; results: FileResult[] }> {
  const interrupted = ctx.options.signal?.aborted === true;
  const error = cause instanceof XapiEtlError ? cause : engineError(cause);
  // The Lambda's deadline says why it stopped; Ctrl-C's plain abort gets the CLI's words.
  const reason = ctx.options.signal?.reason;
  const message = interrupted
    ? reason instanceof DeadlineReached
      ? reason.message
      : INTERRUPTED
    : errorMessage(error);
  // Cancelled: through the monitoring connection, as the kill went. The embedded engine's main connection
  // answers one query at a time, and may still be in the killed INSERT (a server's are independent requests).
  const client = interrupted ? await ctx.rt.engine.monitor() : ctx.rt.engine.client;
  const written = recordFiles(
    client,
    ctx.claims.map((c) => ({
      ...ledgerWrite(ctx, c, startedAt),
      status: 'failed' as const,
      finishedAt: new Date(),
      error: message,
    })),
    ctx.rt.config.source.layout,
  ).catch(() => undefined);
  // At a deadline, a stalled ClickHouse must not hold the answer: the write is waited for half the margin (the
  // claim's lease and the retry's takeover cover a `loading` left behind).
  await (reason instanceof DeadlineReached
    ? Promise.race([written, new Promise((r) => setTimeout(r, reason.graceMs).unref())])
    : written);
  if (interrupted) return { outcome: { kind: 'cancelled' }, results: [] };
  const results: FileResult[] = ctx.claims.map((c) => ({
    ...c.object,
    ...zeroCounts(),
    outcome: 'failed',
    error: message,
    load_id: c.claimId,
    retryable: error.retryable,
  }));
  return { outcome: error.retryable ? { kind: 'retry', error } : { kind: 'done' }, results };
}

/** A ClickHouse failure, retryable or not by its server error code (docs/lambda.md, "Errors: retry or not"). */
function engineError(cause: unknown): EngineError {
  const c = classifyEngineError(cause);
  return new EngineError(`${errorMessage(cause)} [${c.kind}${c.retryable ? '' : ', not retried'}]`, {
    retryable: c.retryable,
    cause,
  });
}

/** Progress within the batch's INSERT, read from the engine while it runs (only when someone listens). */
function watchProgress(ctx: BatchContext) {
  const onProgress = ctx.options.onProgress;
  if (!onProgress) return undefined;
  const batchBytes = ctx.claims.reduce((n, c) => n + c.object.size, 0);
  return watchQuery(
    ctx.rt.engine,
    ctx.marker,
    (q) => {
      const bytesRead = Math.min(q.sourceBytes, batchBytes);
      onProgress({
        ...ctx.progress,
        bytesDone: ctx.progress.bytesDone + bytesRead,
        inFlight: { files: ctx.claims.length, bytes: batchBytes, bytesRead, elapsedMs: q.elapsedMs },
      });
    },
    PROGRESS_INTERVAL_MS,
  );
}

export function zeroCounts(): FileCounts {
  return { lines: 0, statements: 0, video_events: 0, rejected: 0 };
}
