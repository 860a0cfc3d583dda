import type { ClickHouseClient } from '@clickhouse/client';
import type { SchemaTarget } from '../schema/render.js';
import { SHARDED_LOOKUP_SETTINGS } from '../schema/render.js';

/**
 * Voiding by statement id (xAPI 1.0.3 §2.3.2): a voiding statement voids its target whichever section folder or
 * file each arrived in, and whichever arrived first. Each load resolves its part after its INSERT has committed,
 * and writes every target it finds to voided_in_section, in the target's own section (where the active views and
 * the analytics read it, a section at a time):
 *   - its voiding statements look their targets up by id in statement_index (a primary-key read);
 *   - its statements look up, by id in voided_statements, the voids that already name them.
 * Both look after their own write, so of a void and its target loaded at the same time, the later lookup sees
 * the other's rows: one of the two loads always resolves it. A voiding statement is never a target. The rows
 * carry `load_id` (the first of the loads'): the analytics refresh that follows recomputes the targets' keys.
 */
export async function resolveVoids(
  client: ClickHouseClient,
  loadIds: string[],
  options: { schema?: SchemaTarget; marker?: string; resolver?: string } = {},
): Promise<void> {
  if (loadIds.length === 0) return;
  const settings = {
    ...(options.schema?.sharded ? SHARDED_LOOKUP_SETTINGS : {}),
    ...(options.marker ? { log_comment: options.marker } : {}),
  };
  const params = { load_ids: loadIds, resolver: options.resolver ?? (loadIds[0] as string) };
  await client.command({
    query: TARGETS_OF_THE_LOADS_VOIDS,
    query_params: params,
    clickhouse_settings: settings,
  });
  await client.command({
    query: VOIDS_OF_THE_LOADS_STATEMENTS,
    query_params: params,
    clickhouse_settings: settings,
  });
}

const COLUMNS = '(section_id, statement_id, statement_date, voiding_statement_id, load_id)';

/**
 * Targets resolved before (by the other load, or an earlier load of the same file) are left out: the refresh then
 * recomputes only what this load newly voided.
 */
const NOT_YET_RESOLVED = (alias: string, candidates: string) =>
  `AND (${alias}.section_id, ${alias}.statement_id, v.voiding_statement_id) NOT IN (
      SELECT section_id, statement_id, voiding_statement_id FROM voided_in_section WHERE statement_id IN (${candidates}))`;

/**
 * Resolved pairs into voided_in_section: the statements of `rows` (as `alias`) that a void of `voids` names, where
 * `where` holds, less what was resolved before.
 */
const insertResolved = (alias: string, rows: string, voids: string, where: string, candidates: string) => `
INSERT INTO voided_in_section ${COLUMNS}
SELECT ${alias}.section_id, ${alias}.statement_id, ${alias}.statement_date, v.voiding_statement_id, {resolver:UUID}
FROM ${rows} AS ${alias}
INNER JOIN (${voids}) AS v ON v.voided_statement_id = ${alias}.statement_id
WHERE ${where}
  ${NOT_YET_RESOLVED(alias, candidates)}`;

const THE_LOADS_VOIDED_IDS =
  'SELECT voided_statement_id FROM load_touched_voids WHERE load_id IN {load_ids:Array(UUID)}';
const THE_LOADS_STATEMENT_IDS =
  'SELECT statement_id FROM load_statements WHERE load_id IN {load_ids:Array(UUID)}';

/** The loads' voiding statements → their targets, wherever they were loaded. */
const TARGETS_OF_THE_LOADS_VOIDS = insertResolved(
  'i',
  'statement_index',
  `SELECT DISTINCT voided_statement_id, voiding_statement_id FROM load_touched_voids
   WHERE load_id IN {load_ids:Array(UUID)}`,
  `i.statement_id IN (${THE_LOADS_VOIDED_IDS}) AND NOT i.is_voiding`,
  THE_LOADS_VOIDED_IDS,
);

/** The loads' statements → the voids that already name them, whichever load brought those. */
const VOIDS_OF_THE_LOADS_STATEMENTS = insertResolved(
  'l',
  'load_statements',
  `SELECT DISTINCT voided_statement_id, voiding_statement_id FROM voided_statements
   WHERE voided_statement_id IN (${THE_LOADS_STATEMENT_IDS} AND NOT is_voiding)`,
  'l.load_id IN {load_ids:Array(UUID)} AND NOT l.is_voiding',
  THE_LOADS_STATEMENT_IDS,
);

/**
 * Every void against every statement: what the upgrade from v0.1.0 (which resolved voids within a section only)
 * runs once. Each void is a primary-key read of statement_index.
 */
export async function resolveAllVoids(
  client: ClickHouseClient,
  options: { schema?: SchemaTarget; resolver: string },
): Promise<void> {
  await client.command({
    query: `
INSERT INTO voided_in_section ${COLUMNS}
SELECT i.section_id, i.statement_id, i.statement_date, v.voiding_statement_id, {resolver:UUID}
FROM statement_index AS i
INNER JOIN (SELECT DISTINCT voided_statement_id, voiding_statement_id FROM voided_statements) AS v
    ON v.voided_statement_id = i.statement_id
WHERE i.statement_id IN (SELECT voided_statement_id FROM voided_statements)
  AND NOT i.is_voiding`,
    query_params: { resolver: options.resolver },
    clickhouse_settings: options.schema?.sharded ? SHARDED_LOOKUP_SETTINGS : {},
  });
}
