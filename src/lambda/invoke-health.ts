import type { AppConfig } from '../config/env.js';
import { type HealthModeResult, healthWithoutEngine, runHealth } from '../modes/health.js';
import { createS3Client } from '../plan/s3-client.js';
import type { HealthPayload } from '../requests/health-request.js';
import type { Runtime } from '../runtime-types.js';
import type { HandlerDeps } from './handler-types.js';

/**
 * Health mode: never throws. When the runtime cannot even be built (ClickHouse down, bad configuration),
 * the checks that do not need it still run, and the answer says what failed.
 */
export async function invokeHealth(payload: HealthPayload, deps: HandlerDeps): Promise<HealthModeResult> {
  const options = { bucket: payload.s3_bucket, stuckAfterMinutes: payload.stuck_after_minutes };
  let rt: Runtime;
  try {
    rt = await deps.runtime();
  } catch (engineError) {
    let config: AppConfig | undefined;
    try {
      config = deps.config?.();
    } catch (configError) {
      return healthWithoutEngine(configError);
    }
    if (!config) return healthWithoutEngine(engineError);
    const s3 = createS3Client(config.s3);
    try {
      return await runHealth({ config, s3, engineError }, options);
    } finally {
      s3.destroy();
    }
  }
  return runHealth(rt, options);
}
