import type { ClickHouseClient } from '@clickhouse/client';
import type { AppConfig } from '../config/env.js';
import { errorMessage } from '../errors.js';
import { FORMATS_TEXT } from '../plan/file-format.js';
import type { HealthCheck } from './health-check.js';

/** Which layout and record shape are in force (docs/sources.md): what a key must look like to be loaded. */
export function sourceCheck(config: AppConfig): HealthCheck {
  const { layout, sectionPointer, statementField } = config.source;
  return {
    ok: true,
    key_layout: layout.template,
    key_pattern: layout.pattern,
    section_from: layout.has('section_id')
      ? 'key'
      : sectionPointer
        ? `statement (XAPI_SECTION_POINTER=${sectionPointer.pointer})`
        : 'none: every statement is in section ""',
    dated_by: layout.datedBy,
    ...(statementField ? { statement_field: statementField } : {}),
    formats: FORMATS_TEXT,
  };
}

/** XAPI_ASPECTS_TABLE exists with the columns a forward writes (event_id UUID, emission_time DateTime64, event String). */
export async function aspectsCheck(client: ClickHouseClient, table: string): Promise<HealthCheck> {
  const [database, name] = table.split('.') as [string, string];
  try {
    const rs = await client.query({
      query: `SELECT name, type FROM system.columns WHERE database = {db:String} AND table = {t:String}`,
      query_params: { db: database, t: name },
      format: 'JSONEachRow',
    });
    const types = new Map((await rs.json<{ name: string; type: string }>()).map((c) => [c.name, c.type]));
    if (types.size === 0)
      return { ok: false, table, error: `${table} does not exist (or this user cannot see it)` };
    const wrong = Object.entries(ASPECTS_COLUMNS)
      .filter(([column, shape]) => !shape.test(types.get(column) ?? ''))
      .map(([column]) => `${column} (${types.get(column) ?? 'missing'})`);
    return wrong.length === 0
      ? { ok: true, table }
      : { ok: false, table, error: `${table} lacks Aspects' raw shape: ${wrong.join(', ')}` };
  } catch (error) {
    return { ok: false, table, error: errorMessage(error) };
  }
}

const ASPECTS_COLUMNS: Record<string, RegExp> = {
  event_id: /^UUID$/,
  emission_time: /^DateTime64\(/,
  event: /^String$/,
};
