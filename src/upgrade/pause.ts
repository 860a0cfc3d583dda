import type { ClickHouseClient } from '@clickhouse/client';
import { waitForLoadsStartedBefore } from '../engine/running-queries.js';
import { errorMessage, MigrationError } from '../errors.js';
import { recordStep } from '../schema/bookkeeping.js';
import { applyDerivedStatements } from '../schema/derived.js';
import type { DerivedFile, MigrationSet } from '../schema/migration-files.js';
import type { SchemaTarget } from '../schema/render.js';

/**
 * Loads paused while a migration moves the raw tables (`-- @pause-loads`). The parse views are the first stage
 * of every load, so they are where a load is refused: each gets this version's query with a guard that throws at
 * the first block, before any row reaches a table (a guard in a view of its own would run beside the parse, and
 * the rows of that block would be written). Only the migration's own re-parse (load_mode 'reparse') passes. The
 * error is TABLE_IS_READ_ONLY (242), which every xapi-etl version, v0.1.0 included, counts as worth a retry.
 * Loads resume when the derived parse views are applied again, at the end of the same `migrate`.
 */
export const PARSE_VIEWS_FILE = '10_parse_views.sql';

const GUARD = `WHERE throwIf(load_mode != 'reparse',
    'xapi-etl migrate is moving the raw tables: this load is refused until it finishes (retry it then)', toInt16(242)) = 0`;

/** The parse views' statements with the guard: before the final SETTINGS of each, which gains the setting it needs. */
export function guardedStatements(file: DerivedFile): string[] {
  return file.statements.map((statement) => {
    const at = statement.lastIndexOf('\nSETTINGS ');
    if (!/^CREATE MATERIALIZED VIEW /.test(statement) || at < 0)
      throw new MigrationError(`${file.file}: a parse view without a final SETTINGS clause cannot be paused`);
    const settings = statement.slice(at + '\nSETTINGS '.length);
    return `${statement.slice(0, at)}\n${GUARD}\nSETTINGS allow_custom_error_code_in_throwif = 1, ${settings}`;
  });
}

export interface PauseContext {
  client: ClickHouseClient;
  target: SchemaTarget;
  set: MigrationSet;
  version: number;
  cluster?: string;
  say?: (message: string) => void;
  /** How long to wait for loads already running to finish (a Lambda runs at most 15 minutes). */
  drainTimeoutMs?: number;
}

export async function pauseLoads(ctx: PauseContext): Promise<void> {
  const file = parseViews(ctx.set);
  await recordStep(ctx.client, ctx.version, 'loads', 'paused');
  await applyDerivedStatements(ctx.client, file.file, guardedStatements(file), ctx.target);
  await waitForRunningLoads(ctx);
}

/** Applies the parse views as they are (no guard): loads run again. */
export async function resumeLoads(ctx: PauseContext): Promise<void> {
  const file = parseViews(ctx.set);
  await applyDerivedStatements(ctx.client, file.file, file.statements, ctx.target);
  await recordStep(ctx.client, ctx.version, 'loads', 'resumed');
}

function parseViews(set: MigrationSet): DerivedFile {
  const file = set.derived.find((d) => d.file === PARSE_VIEWS_FILE);
  if (!file) throw new MigrationError(`derived/${PARSE_VIEWS_FILE} is missing: loads cannot be paused`);
  return file;
}

/** Loads that started before the pause still write with the old views: the move waits until none runs. */
async function waitForRunningLoads(ctx: PauseContext): Promise<void> {
  try {
    await waitForLoadsStartedBefore(ctx.client, new Date(), {
      cluster: ctx.cluster,
      timeoutMs: ctx.drainTimeoutMs ?? 20 * 60_000,
      say: (m) => ctx.say?.(`loads paused; ${m}`),
    });
  } catch (cause) {
    throw new MigrationError(`${errorMessage(cause)}: run \`xapi-etl migrate\` again once they end`, {
      cause,
    });
  }
}
