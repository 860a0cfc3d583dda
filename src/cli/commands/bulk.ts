import type { Command } from 'commander';
import type { HandlerDeps } from '../../lambda/create-handler.js';
import type { BulkModeResult } from '../../modes/bulk.js';
import type { Runtime } from '../../runtime.js';
import { assertSchemaCurrent } from '../../schema/schema-state.js';
import { type BulkRequest, readCursor, saveCursor } from '../bulk-cursor.js';
import { bulkProgressReporter, formatBulkSummary } from '../format-bulk.js';
import { INTERRUPTED_EXIT_CODE, stopOnCtrlC } from '../interrupt.js';
import { positiveNumber } from '../option-values.js';
import { repeatable } from '../repeatable.js';
import { closeWithin, openRuntime, printJson, reportError } from '../run-command.js';
import { runHandlerLocally } from '../run-handler.js';

/** Exit code of a backfill that stopped before the end (time budget): run the same command again. */
export const INCOMPLETE_EXIT_CODE = 3;

interface BulkOptions {
  section?: string[];
  start?: string;
  end?: string;
  bucket?: string;
  prefix?: string;
  dryRun?: boolean;
  force?: boolean;
  timeBudget?: number;
  restart?: boolean;
  json?: boolean;
  verbose?: boolean;
}

export default (command: Command): Command =>
  command
    .description(
      'Backfill bundles by section and date range, exactly as the Lambda bulk mode does (files already loaded are skipped). A run stopped by --time-budget or Ctrl-C resumes where it stopped when the same command runs again.',
    )
    .option(
      '--section <ids>',
      'Section id(s), comma-separated (repeatable); default: every section under the prefix',
      repeatable,
    )
    .option('--start <day>', 'First day, YYYY-MM-DD (inclusive)')
    .option('--end <day>', 'Last day, YYYY-MM-DD (inclusive)')
    .option('--bucket <bucket>', 'Bucket (default: S3_XAPI_BUCKET_NAME)')
    .option('--prefix <prefix>', 'Prefix holding the section folders (default: section/)')
    .option('--dry-run', 'Plan only: files, bytes per section and day; write nothing')
    .option('--force', 'Reload files the ledger already has (force_reprocess)')
    .option(
      '--time-budget <seconds>',
      `Stop after about this many seconds (between batches), exit ${INCOMPLETE_EXIT_CODE}; the same command resumes`,
      positiveNumber('--time-budget', 'seconds'),
    )
    .option('--restart', 'Start over instead of resuming a run that stopped')
    .option('--json', "Print the handler's JSON result")
    .option('--verbose', "Show the handler's structured logs (on stderr)")
    .action(bulk);

async function bulk(args: BulkOptions): Promise<void> {
  const sections = (args.section ?? [])
    .flatMap((s) => s.split(','))
    .map((s) => s.trim())
    .filter(Boolean);
  const deadline = args.timeBudget === undefined ? undefined : Date.now() + args.timeBudget * 1000;
  const dryRun = Boolean(args.dryRun);
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
}
