import { isLoaded, loadedVersions } from '../ledger/ledger.js';
import { ingest } from '../load/ingest.js';
import type { IngestProgress, IngestResult } from '../load/ingest-types.js';
import { type RejectionCounts, rejectionsByReason } from '../modes/rejections.js';
import type { SourceObject } from '../plan/source-object.js';
import { resolveTargets } from '../plan/targets.js';
import type { Runtime } from '../runtime-types.js';
import { assertSchemaCurrent } from '../schema/schema-state.js';

export interface ProcessFilesOptions {
  force?: boolean;
  mode?: string;
  onProgress?: (p: IngestProgress) => void;
  /** Aborting stops the load between batches, cancelling the running one (Ctrl-C). */
  signal?: AbortSignal;
}

export interface ProcessResult extends IngestResult {
  /** Why the rejected lines were rejected (reason code → lines). */
  rejectedByReason: RejectionCounts;
}

/** `xapi-etl process`: load the named S3 objects, prefixes or local files exactly once. */
export async function processFiles(
  rt: Runtime,
  targets: string[],
  options: ProcessFilesOptions = {},
): Promise<ProcessResult> {
  await assertSchemaCurrent(rt.engine.client, rt.config.database);
  const objects = await resolveTargets(rt.s3, targets);
  const result = await ingest(rt, objects, {
    mode: options.mode ?? 'cli',
    force: options.force,
    onProgress: options.onProgress,
    signal: options.signal,
  });
  const rejectedByReason =
    result.totals.events_rejected > 0
      ? await rejectionsByReason(
          rt.engine.client,
          result.files.map((f) => f.load_id),
        )
      : {};
  return { ...result, rejectedByReason };
}

export interface ProcessPlan {
  /** Would be loaded (new versions; every file with force). */
  load: SourceObject[];
  /** Already loaded at this version: skipped. */
  skip: SourceObject[];
}

/** `process --dry-run`: what a load of these targets would do, without writing anything. */
export async function planProcess(
  rt: Runtime,
  targets: string[],
  options: { force?: boolean } = {},
): Promise<ProcessPlan> {
  await assertSchemaCurrent(rt.engine.client, rt.config.database);
  const objects = await resolveTargets(rt.s3, targets);
  const known = options.force ? new Set<string>() : await loadedVersions(rt.engine.client, objects);
  const plan: ProcessPlan = { load: [], skip: [] };
  for (const o of objects) (isLoaded(known, o) ? plan.skip : plan.load).push(o);
  return plan;
}
