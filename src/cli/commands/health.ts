import { defineCommand } from 'citty';
import type { HealthModeResult } from '../../modes/health.js';
import { printJson } from '../run-command.js';
import { runHandlerLocally } from '../run-handler.js';

export default defineCommand({
  meta: {
    name: 'health',
    description:
      'Check ClickHouse (version, latency), the schema, S3 from here and from ClickHouse, and failed or stuck files. Exit 1 when unhealthy.',
  },
  args: {
    bucket: { type: 'string', description: 'Bucket to probe (default: S3_XAPI_BUCKET_NAME)' },
    'stuck-minutes': {
      type: 'string',
      description: 'A file still loading after this long is stuck (default 30)',
    },
    json: { type: 'boolean', description: "Print the handler's JSON result" },
  },
  async run({ args }) {
    const payload: Record<string, unknown> = { health_check: true };
    if (args.bucket) payload.s3_bucket = args.bucket;
    if (args['stuck-minutes']) payload.stuck_after_minutes = Number(args['stuck-minutes']);
    const result = await runHandlerLocally(payload);
    if (!result) return;
    if (args.json || !('checks' in result)) return printJson(result);
    const r = result as unknown as HealthModeResult;
    for (const [name, check] of Object.entries(r.checks)) {
      const { ok, error, ...detail } = check;
      const shown = Object.entries(detail)
        .filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0))
        .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join(',') : String(v)}`)
        .join(' ');
      process.stdout.write(
        `${ok ? 'ok  ' : 'FAIL'} ${name.padEnd(20)} ${error ? `${error} ` : ''}${shown}\n`,
      );
    }
    process.stdout.write(r.success ? 'healthy\n' : `unhealthy: ${r.reasons.length} problem(s)\n`);
  },
});
