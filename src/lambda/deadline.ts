import type { Context } from 'aws-lambda';
import { DeadlineReached } from '../errors.js';

/**
 * The invocation's deadline: its remaining time less a margin (10 %, between 2 and 30 s) for cancelling the
 * running query, writing the ledger and answering. When it comes the signal aborts — the path Ctrl-C takes in
 * the CLI: the running batch's queries are killed on the server, its files recorded `failed` and retried — so no
 * load outlives its invocation. `atMs` also bounds each load INSERT on the server (`max_execution_time`), in case
 * the kill cannot reach it. A context without a limit (the CLI, local runs) has no deadline.
 */
export interface Deadline {
  /** Aborts at the deadline, or with the caller's signal (Ctrl-C). */
  signal: AbortSignal | undefined;
  /** Aborts at the deadline only: what gives up on ClickHouse's answers (Ctrl-C cancels and waits instead). */
  deadlineSignal: AbortSignal | undefined;
  atMs: number | undefined;
  clear(): void;
}

const LONGEST_TIMER_MS = 2 ** 31 - 1;

export function deadlineMarginMs(remainingMs: number): number {
  return Math.min(30_000, Math.max(2_000, remainingMs * 0.1));
}

export function invocationDeadline(context: Context, outer?: AbortSignal): Deadline {
  const remaining = context.getRemainingTimeInMillis();
  if (!Number.isFinite(remaining) || remaining >= LONGEST_TIMER_MS)
    return { signal: outer, deadlineSignal: undefined, atMs: undefined, clear: () => undefined };
  const margin = deadlineMarginMs(remaining);
  const controller = new AbortController();
  const timer = setTimeout(
    () => controller.abort(new DeadlineReached(margin)),
    Math.max(0, remaining - margin),
  );
  return {
    signal: outer ? AbortSignal.any([outer, controller.signal]) : controller.signal,
    deadlineSignal: controller.signal,
    atMs: Date.now() + remaining - margin,
    clear: () => clearTimeout(timer),
  };
}
