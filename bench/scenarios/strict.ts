import type { Runtime } from '../../src/runtime.js';
import type { ScenarioResult, ScenarioSpec } from '../types.js';
import { runFullSchema } from './full-schema.js';

/**
 * The full schema with XAPI_VALIDATION=strict: the same load, through the strict parse view (every xAPI 1.0.3
 * rule, migration 0002), so that its row against `full schema` is the strict load's extra cost.
 */
export async function runStrict(rt: Runtime, spec: ScenarioSpec): Promise<ScenarioResult> {
  return runFullSchema({ ...rt, config: { ...rt.config, validation: 'strict' } }, spec);
}
