import { randomUUID } from 'node:crypto';
import { EngineError } from '../errors.js';
import { type ClaimTarget, claimBatch, decide, readVersionStates } from '../ledger/claims.js';
import { versionId } from '../ledger/file-version.js';
import { fileFormat } from '../plan/file-format.js';
import { sniffCompressions } from '../plan/sniff-compression.js';
import { type SourceObject, scopedToSections } from '../plan/source-object.js';
import type { Runtime } from '../runtime-types.js';
import { planBatches } from './batches.js';
import type {
  FileResult,
  IngestOptions,
  IngestProgress,
  IngestResult,
  IngestTotals,
} from './ingest-types.js';
import { runBatch, zeroCounts } from './run-batch.js';
import { resolveS3Access } from './s3-access.js';

/** This process, as the owner of the claims it makes when nobody names one (the CLI). */
const PROCESS_OWNER = `process-${process.pid}-${randomUUID()}`;

/**
 * Loads file versions exactly once. Each version is claimed (src/ledger/claims.ts) just before its batch
 * runs: a version already loaded is skipped (unless forced), one another load holds is left to it, and
 * the versions won are loaded by one INSERT … SELECT FROM s3()/file() per batch, their rows carrying the
 * claim id as their load id. A reload, retry or takeover removes the earlier loads' rows first. The
 * analytics are refreshed for what the batch touched, then the ledger records each file's counts.
 */
export async function ingest(
  rt: Runtime,
  objects: SourceObject[],
  options: IngestOptions,
): Promise<IngestResult> {
  const client = rt.engine.client;
  const sections = options.sections;
  const unique = dedupe(sections ? objects.map((o) => scopedToSections(o, sections)) : objects);
  const owner = {
    owner: options.owner ?? PROCESS_OWNER,
    leaseMs: rt.config.claimLeaseMs,
    cluster: rt.engine.cluster,
  };
  const force = Boolean(options.force);
  // A first look drops what is loaded already, so that batches are planned from what is left. Each batch
  // is decided again when it is claimed (claimBatch): a long run's first look goes stale.
  const states = await readVersionStates(client, unique, rt.engine.cluster);
  const results: FileResult[] = [];
  const todo: SourceObject[] = [];
  for (const o of unique) {
    const decision = decide(states.get(versionId(o)) ?? { claims: [], running: false }, owner.owner, force);
    if (decision.kind === 'loaded') results.push({ ...o, ...zeroCounts(), outcome: 'skipped' });
    else todo.push(o);
  }
  const target: ClaimTarget = {
    client,
    ...(rt.config.engine.kind === 'embedded'
      ? { inProcess: { scope: `${rt.config.engine.dataDir}\u0000${rt.engine.database}` } }
      : {}),
  };

  // Names without an extension (Firehose's): their first bytes say how to decompress them.
  const readable: SourceObject[] = [];
  for (const o of await sniffCompressions(rt.s3, todo)) {
    const unreadable = unreadableBy(rt, o);
    if (unreadable)
      results.push({ ...o, ...zeroCounts(), outcome: 'failed', error: unreadable, retryable: false });
    else readable.push(o);
  }
  const batches = planBatches(readable, rt.config.batch);
  const progress: IngestProgress = {
    batch: 0,
    batches: batches.length,
    filesDone: 0,
    filesTotal: readable.length,
    bytesDone: 0,
    bytesTotal: readable.reduce((n, o) => n + o.size, 0),
    rowsDone: 0,
  };
  let retryableError: Error | undefined;
  const access = readable.some((o) => o.kind === 's3') ? await resolveS3Access(rt.config.s3) : undefined;

  // The connection that watches and stops a load is opened before the first INSERT, not in its middle.
  if (batches.length > 0 && (options.onProgress || options.signal)) await rt.engine.monitor();
  const remaining: SourceObject[] = [];
  for (const [index, batch] of batches.entries()) {
    if (options.signal?.aborted || options.shouldStop?.()) {
      remaining.push(...batches.slice(index).flat());
      break;
    }
    // One marker names every query of this batch: its INSERT, refresh and cleanup (progress, Ctrl-C, takeover).
    const marker = randomUUID();
    const { claims, loaded, inProgress, heldByOwner } = await claimBatch(target, batch, owner, marker, force);
    for (const object of loaded) results.push({ ...object, ...zeroCounts(), outcome: 'skipped' });
    for (const object of inProgress) results.push({ ...object, ...zeroCounts(), outcome: 'in_progress' });
    for (const object of heldByOwner) {
      const error = new EngineError(HELD_BY_OWNER, { retryable: true });
      retryableError ??= error;
      results.push({ ...object, ...zeroCounts(), outcome: 'failed', error: HELD_BY_OWNER, retryable: true });
    }
    if (claims.length > 0) {
      const ran = await runBatch({ rt, claims, marker, options, progress, access });
      if (ran.outcome.kind === 'cancelled') {
        remaining.push(...batch);
        continue; // the check at the top stops the run and counts the batches left
      }
      if (ran.outcome.kind === 'retry') retryableError ??= ran.outcome.error;
      results.push(...ran.results);
    }
    progress.batch += 1;
    progress.filesDone += batch.length;
    progress.bytesDone += batch.reduce((n, o) => n + o.size, 0);
    progress.rowsDone = results.reduce((n, r) => n + r.lines, 0);
    options.onProgress?.({ ...progress });
  }
  return {
    files: results,
    totals: totalsOf(results),
    retryableFailure: retryableError !== undefined,
    ...(retryableError ? { retryableError } : {}),
    remaining,
  };
}

const HELD_BY_OWNER =
  'an earlier attempt of this invocation is still loading it (its query runs on the server): retried once it ends';

/**
 * What this engine cannot read at all, refused per file before any batch: one such file in a batch would fail the
 * batch's other files with it. chDB is built without bzip2 (a ClickHouse server reads it).
 */
function unreadableBy(rt: Runtime, o: SourceObject): string | undefined {
  if (rt.engine.kind === 'embedded' && (o.compression ?? fileFormat(o.key)?.compression) === 'bz2')
    return 'bzip2 (.bz2) is read by a ClickHouse server, not by the embedded engine (chDB is built without it)';
  return undefined;
}

function dedupe(objects: SourceObject[]): SourceObject[] {
  const seen = new Set<string>();
  return objects.filter((o) => {
    const id = `${o.kind}\u0000${versionId(o)}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

export function totalsOf(files: FileResult[]): IngestTotals {
  const t: IngestTotals = {
    files_processed: 0,
    files_skipped: 0,
    files_failed: 0,
    files_superseded: 0,
    files_in_progress: 0,
    events_processed: 0,
    video_events_processed: 0,
    events_rejected: 0,
    lines: 0,
    bytes: 0,
  };
  for (const f of files) {
    if (f.outcome === 'skipped') t.files_skipped += 1;
    else if (f.outcome === 'failed') t.files_failed += 1;
    else if (f.outcome === 'superseded') t.files_superseded += 1;
    else if (f.outcome === 'in_progress') t.files_in_progress += 1;
    else t.files_processed += 1;
    t.events_processed += f.statements;
    t.video_events_processed += f.video_events;
    t.events_rejected += f.rejected;
    t.lines += f.lines;
    if (f.outcome !== 'skipped' && f.outcome !== 'in_progress') t.bytes += f.size;
  }
  return t;
}
