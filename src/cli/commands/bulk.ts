import { defineCommand } from 'citty';
import type { HandlerDeps } from '../../lambda/create-handler.js';
import type { BulkModeResult } from '../../modes/bulk.js';
import { type BulkRequest, readCursor, saveCursor } from '../../modes/bulk-cursor.js';
import type { Runtime } from '../../runtime.js';
import { assertSchemaCurrent } from '../../schema/schema-state.js';
import { bulkProgressReporter, formatBulkSummary } from '../format-bulk.js';
import { INTERRUPTED_EXIT_CODE, stopOnCtrlC } from '../interrupt.js';
import { collectRepeated } from '../repeated-flag.js';
import { closeWithin, openRuntime, printJson, reportError } from '../run-command.js';
import { runHandlerLocally } from '../run-handler.js';

/** Exit code of a backfill that stopped before the end (time budget): run the same command again. */
export const INCOMPLETE_EXIT_CODE = 3;

export default defineCommand({
  meta: {
    name: 'bulk',
    description:
      'Backfill bundles by section and date range, exactly as the Lambda bulk mode does (files already loaded are skipped). A run stopped by --time-budget or Ctrl-C resumes where it stopped when the same command runs again.',
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
      description: `Stop after about this many seconds (between batches), exit ${INCOMPLETE_EXIT_CODE}; the same command resumes`,
    },
    restart: { type: 'boolean', description: 'Start over instead of resuming a run that stopped' },
    json: { type: 'boolean', description: "Print the handler's JSON result" },
    verbose: { type: 'boolean', description: "Show the handler's structured logs (on stderr)" },
  },
  async run({ args, rawArgs }) {
    const sections = collectRepeated(rawArgs, '--section')
      .flatMap((s) => s.split(','))
      .map((s) => s.trim())
      .filter(Boolean);
    const budgetSeconds = args['time-budget'] === undefined ? undefined : Number(args['time-budget']);
    if (budgetSeconds !== undefined && !(budgetSeconds > 0)) {
      process.stderr.write('xapi-etl: --time-budget must be a positive number of seconds\n');
      process.exitCode = 2;
      return;
    }
    const deadline = budgetSeconds === undefined ? undefined : Date.now() + budgetSeconds * 1000;
    const dryRun = Boolean(args['dry-run']);
    const interrupt = stopOnCtrlC();
    let rt: Runtime | undefined;
    try {
      rt = await openRuntime();
      await assertSchemaCurrent(rt.engine.client, rt.config.database);
      const bucket = args.bucket ?? rt.config.s3.bucket;
      const request: BulkRequest | undefined = bucket
        ? {
            bucket,
            prefix: args.prefix ?? 'section/',
            sections: sections.length > 0 ? sections : undefined,
            startDate: args.start,
            endDate: args.end,
            force: Boolean(args.force),
          }
        : undefined;
      const cursor = request && !args.restart ? await readCursor(rt.engine.client, request) : undefined;
      if (cursor) {
        process.stderr.write(
          `xapi-etl: ${dryRun ? 'a previous run of this backfill stopped' : 'resuming the run that stopped'} ` +
            `after ${cursor.after_key} (started ${cursor.started_at}; --restart starts over)\n`,
        );
      }
      const payload: Record<string, unknown> = {
        mode: 'bulk',
        ...(sections.length > 0 ? { section_id: sections.length === 1 ? sections[0] : sections } : {}),
        ...(args.start ? { start_date: args.start } : {}),
        ...(args.end ? { end_date: args.end } : {}),
        ...(args.bucket ? { s3_bucket: args.bucket } : {}),
        ...(args.prefix ? { s3_prefix: args.prefix } : {}),
        dry_run: dryRun,
        force_reprocess: Boolean(args.force),
        ...(cursor && !dryRun ? { continuation: cursor } : {}),
      };
      const budget: HandlerDeps['budget'] =
        deadline === undefined ? () => () => false : () => (s) => Date.now() + s.longestBatchMs > deadline;
      const result = await runHandlerLocally(payload, {
        runtime: rt,
        verbose: args.verbose,
        followContinuations: false,
        budget,
        onBulkProgress: args.json ? undefined : bulkProgressReporter(),
        signal: interrupt.signal,
      });
      if (!result) return;
      if (!('dry_run' in result)) {
        printJson(result);
        return;
      }
      const bulk = result as BulkModeResult;
      if (request && !bulk.dry_run && (bulk.continuation || cursor)) {
        await saveCursor(rt.engine.client, request, bulk.continuation);
      }
      const interrupted = interrupt.signal.aborted;
      if (args.json) printJson({ ...bulk, interrupted });
      else process.stdout.write(`${formatBulkSummary(bulk, { interrupted })}\n`);
      if (interrupted) process.exitCode = INTERRUPTED_EXIT_CODE;
      else if (bulk.success && !bulk.complete) process.exitCode = INCOMPLETE_EXIT_CODE;
    } catch (error) {
      reportError(error);
    } finally {
      interrupt.dispose();
      await closeWithin(rt);
    }
  },
});
