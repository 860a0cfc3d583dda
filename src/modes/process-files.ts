import { type IngestProgress, type IngestResult, ingest } from '../load/ingest.js';
import { resolveTargets } from '../plan/targets.js';
import type { Runtime } from '../runtime.js';

export interface ProcessFilesOptions {
  force?: boolean;
  mode?: string;
  onProgress?: (p: IngestProgress) => void;
}

/** `xapi-etl process`: load the named S3 objects, prefixes or local files exactly once. */
export async function processFiles(
  rt: Runtime,
  targets: string[],
  options: ProcessFilesOptions = {},
): Promise<IngestResult> {
  const objects = await resolveTargets(rt.s3, targets);
  return ingest(rt, objects, {
    mode: options.mode ?? 'cli',
    force: options.force,
    onProgress: options.onProgress,
  });
}
