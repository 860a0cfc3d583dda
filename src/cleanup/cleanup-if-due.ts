import { hourlyGate } from '../hourly.js';
import type { Runtime } from '../runtime-types.js';
import { cleanupSuperseded } from './cleanup.js';

/**
 * The Lambda keeps the cleanup itself: after a load, at most once an hour per container, it deletes what is
 * left of superseded loads (src/cleanup/cleanup.ts), one batch of at most 1,000 (nothing to do is one query).
 * A failure is reported and never fails the load; the next hour tries again.
 */
const due = hourlyGate();

export async function cleanupIfDue(
  rt: Runtime,
  report: (message: string, detail: Record<string, unknown>) => void,
): Promise<void> {
  if (!due(rt.engine.client)) return;
  try {
    const result = await cleanupSuperseded(rt.engine.client, { schema: rt.engine.schema, maxBatches: 1 });
    if (result.loads > 0) report('cleanup: deleted what was left of superseded loads', { ...result });
  } catch (error) {
    report('cleanup: failed (retried within the hour)', { error: String(error) });
  }
}
