/**
 * Housekeeping the Lambda does after a load (cleanup, expiry): at most once an hour per container and per
 * engine client. The hour starts when a run starts, failed or not: a failure is retried the next hour.
 */
const EVERY_MS = 3_600_000;

export type HourlyGate = (key: object, now?: number) => boolean;

/** A gate of its own per job: true (and the hour starts) when the job's last run on `key` is an hour old. */
export function hourlyGate(): HourlyGate {
  const lastRun = new WeakMap<object, number>();
  return (key, now = Date.now()) => {
    if (now - (lastRun.get(key) ?? 0) < EVERY_MS) return false;
    lastRun.set(key, now);
    return true;
  };
}
