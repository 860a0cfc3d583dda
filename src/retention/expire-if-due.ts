import { hourlyGate } from '../hourly.js';
import type { Runtime } from '../runtime-types.js';
import { expireData } from './expire.js';

/**
 * With XAPI_RETENTION_DAYS set, the Lambda keeps the retention itself: after a load, at most once an hour per
 * container, it drops the months that have aged out (src/retention/expire.ts; nothing to do is one query). A
 * failure is reported and never fails the load; the next hour tries again.
 */
const due = hourlyGate();

export async function expireIfDue(
  rt: Runtime,
  report: (message: string, detail: Record<string, unknown>) => void,
): Promise<void> {
  const days = rt.config.retentionDays;
  if (!days) return;
  if (!due(rt.engine.client)) return;
  try {
    const result = await expireData(rt.engine.client, { retentionDays: days, schema: rt.engine.schema });
    const dropped = Object.values(result.partitions).reduce((n, p) => n + p.length, 0);
    if (dropped > 0 || result.rows.statements_without_time)
      report('retention: dropped the months older than the retention', { ...result });
  } catch (error) {
    report('retention: expiry failed (retried within the hour)', { error: String(error) });
  }
}
