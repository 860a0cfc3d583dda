import type { Command } from 'commander';
import { HEALTH_TIME_LIMIT_MS, type HealthModeResult } from '../../modes/health.js';
import { wholeNumber } from '../option-values.js';
import { printJson } from '../run-command.js';
import { runHandlerLocally } from '../run-handler.js';

/** The checks end within HEALTH_TIME_LIMIT_MS; this margin covers start-up and closing. */
const EXIT_WITHIN_MS = HEALTH_TIME_LIMIT_MS + 5_000;

export default (command: Command): Command =>
  command
    .description(
      `Check ClickHouse (version, latency), the schema, S3 from here and from ClickHouse, and failed or stuck files. Exit 1 when unhealthy; ends within ${EXIT_WITHIN_MS / 1000} s.`,
    )
    .option('--bucket <bucket>', 'Bucket to probe (default: S3_XAPI_BUCKET_NAME)')
    .option(
      '--stuck-minutes <minutes>',
      'A file still loading after this long is stuck (default 30)',
      wholeNumber('--stuck-minutes', 1, 10_080),
    )
    .option('--json', "Print the handler's JSON result")
    .action(health);

async function health(args: { bucket?: string; stuckMinutes?: number; json?: boolean }): Promise<void> {
  const payload: Record<string, unknown> = { health_check: true };
  if (args.bucket) payload.s3_bucket = args.bucket;
  if (args.stuckMinutes) payload.stuck_after_minutes = args.stuckMinutes;
  // A hanging request (an S3 endpoint that never answers, a query that cannot be stopped) must not
  // keep the command alive: it answers within its limit and exits, whatever is still pending.
  let timer: NodeJS.Timeout | undefined;
  const outOfTime = new Promise<'out of time'>((resolve) => {
    timer = setTimeout(() => resolve('out of time'), EXIT_WITHIN_MS);
  });
  const result = await Promise.race([runHandlerLocally(payload), outOfTime]);
  clearTimeout(timer);
  if (result === 'out of time') {
    process.stderr.write(`xapi-etl health: no answer within ${EXIT_WITHIN_MS / 1000} s: unhealthy\n`);
    process.exit(1);
  }
  if (!result) process.exit(process.exitCode ?? 1);
  if (args.json || !('checks' in result)) printJson(result);
  else printChecks(result as unknown as HealthModeResult);
  process.exit(result.success ? 0 : 1);
}

function printChecks(r: HealthModeResult): void {
  for (const [name, check] of Object.entries(r.checks)) {
    const { ok, error, ...detail } = check;
    const shown = Object.entries(detail)
      .filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))
      .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
      .join(' ');
    process.stdout.write(`${ok ? 'ok  ' : 'FAIL'} ${name.padEnd(20)} ${error ? `${error} ` : ''}${shown}\n`);
  }
  process.stdout.write(r.success ? 'healthy\n' : `unhealthy: ${r.reasons.length} problem(s)\n`);
}
