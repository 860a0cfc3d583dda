import { PeakRss } from './memory.js';
import type { ScenarioResult } from './types.js';

/** Runs the timed section of a scenario, with its wall time and the process's peak RSS. */
export async function timed(
  work: () => Promise<{ lines: number; rows: number; detail?: Record<string, unknown> }>,
): Promise<ScenarioResult> {
  global.gc?.();
  const baseRssBytes = process.memoryUsage.rss();
  const peak = new PeakRss();
  peak.start();
  const t0 = performance.now();
  const out = await work();
  const ms = performance.now() - t0;
  return { ms, ...out, baseRssBytes, peakRssBytes: peak.stop() };
}
