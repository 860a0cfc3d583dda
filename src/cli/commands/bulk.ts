import { defineCommand } from 'citty';
import type { BulkModeResult } from '../../modes/bulk.js';
import { bulkProgressReporter, formatBulkSummary } from '../format-bulk.js';
import { collectRepeated } from '../repeated-flag.js';
import { printJson } from '../run-command.js';
import { runHandlerLocally } from '../run-handler.js';

export default defineCommand({
  meta: {
    name: 'bulk',
    description:
      'Backfill bundles by section and date range, exactly as the Lambda bulk mode does (files already loaded are skipped).',
  },
  args: {
    section: {
      type: 'string',
      description: 'Section id(s), comma-separated (repeatable); default: every section under the prefix',
    },
    start: { type: 'string', description: 'First day, YYYY-MM-DD (inclusive)' },
    end: { type: 'string', description: 'Last day, YYYY-MM-DD (inclusive)' },
    bucket: { type: 'string', description: 'Bucket (default: S3_XAPI_BUCKET_NAME)' },
    prefix: { type: 'string', description: 'Prefix holding the section folders (default: section/)' },
    'dry-run': { type: 'boolean', description: 'Plan only: files, bytes per section and day; write nothing' },
    force: { type: 'boolean', description: 'Reload files the ledger already has (force_reprocess)' },
    'time-budget': {
      type: 'string',
      description: 'Stop after about this many seconds (between batches) and print how to resume',
    },
    json: { type: 'boolean', description: "Print the handler's JSON result" },
    verbose: { type: 'boolean', description: "Show the handler's structured logs (on stderr)" },
  },
  async run({ args, rawArgs }) {
    const sections = collectRepeated(rawArgs, '--section')
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter(Boolean);
    const payload: Record<string, unknown> = {
      mode: 'bulk',
      ...(sections.length > 0 ? { section_id: sections.length === 1 ? sections[0] : sections } : {}),
      ...(args.start ? { start_date: args.start } : {}),
      ...(args.end ? { end_date: args.end } : {}),
      ...(args.bucket ? { s3_bucket: args.bucket } : {}),
      ...(args.prefix ? { s3_prefix: args.prefix } : {}),
      dry_run: Boolean(args['dry-run']),
      force_reprocess: Boolean(args.force),
    };
    const budgetSeconds = args['time-budget'] === undefined ? undefined : Number(args['time-budget']);
    if (budgetSeconds !== undefined && !(budgetSeconds > 0)) {
      process.stderr.write('xapi-etl: --time-budget must be a positive number of seconds\n');
      process.exitCode = 2;
      return;
    }
    const deadline = budgetSeconds === undefined ? undefined : Date.now() + budgetSeconds * 1000;
    const result = await runHandlerLocally(payload, {
      verbose: args.verbose,
      followContinuations: false,
      budget:
        deadline === undefined ? () => () => false : () => (s) => Date.now() + s.longestBatchMs > deadline,
      onBulkProgress: args.json ? undefined : bulkProgressReporter(),
    });
    if (!result) return;
    if (args.json || !('dry_run' in result)) printJson(result);
    else process.stdout.write(`${formatBulkSummary(result as BulkModeResult)}\n`);
  },
});
