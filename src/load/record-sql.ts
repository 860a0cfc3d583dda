import type { SourceConfig } from '../config/env.js';
import { FILE_TIME_PATTERN, type KeyLayout } from '../plan/key-layout.js';

/**
 * What the load INSERT derives from each record and its key, by the configured source (docs/sources.md): the
 * section, the event type, the time the key carries, and the statement itself. SQL text comes only from the
 * layout's structure (group numbers); every value (the layout's expression, the pointer's segments, the field
 * name, the sections of a scoped load) is a query parameter.
 */
export interface RecordSql {
  /** WITH expressions, in order (each may read the ones before, `src_key` and `line`). */
  with: string[];
  section: string;
  eventType: string;
  /** The time the key carries, or NULL. */
  keyTime: string;
  /** The statement text: the record, or its envelope's field. */
  statement: string;
  /** The file's version tag as the ledger knows it (planned_versions: only a scoped load's differs from the ETag). */
  version: string;
  /** Extra WHERE conditions (a scoped load's sections). */
  where: string[];
  params: Record<string, unknown>;
}

export function recordSql(source: SourceConfig, scopeSections?: string[]): RecordSql {
  const { layout } = source;
  const params: Record<string, unknown> = {
    key_layout: layout.pattern,
    file_time_pattern: FILE_TIME_PATTERN,
  };
  const group = (n: number | undefined) => (n ? `layout[${n}]` : "''");
  const out: RecordSql = {
    with: ['extractGroups(src_key, {key_layout:String}) AS layout', ...keyTimeWith(layout)],
    section: group(layout.groups.section_id),
    eventType: group(layout.groups.event_type),
    keyTime: 'if(empty(file_time), NULL, key_time)',
    statement: 'line',
    version: 'planned_etag',
    where: [],
    params,
  };
  if (source.statementField !== undefined) {
    params.statement_field = source.statementField;
    // A record without the field is kept whole: it is loaded if it is a statement, else rejected with its text.
    out.with.push(`multiIf(JSONType(line, {statement_field:String}) = 'String', JSONExtractString(line, {statement_field:String}),
        JSONHas(line, {statement_field:String}), JSONExtractRaw(line, {statement_field:String}),
        line) AS record_statement`);
    out.statement = 'record_statement';
  }
  if (source.sectionPointer) {
    const path = source.sectionPointer.path.map((segment, i) => {
      params[`section_path_${i}`] = segment;
      return `{section_path_${i}:${typeof segment === 'number' ? 'Int64' : 'String'}}`;
    });
    out.with.push(`JSONExtractString(${out.statement}, ${path.join(', ')}) AS record_section`);
    out.section = 'record_section';
  }
  if (scopeSections) {
    params.scope_sections = scopeSections;
    out.version = 'planned_version';
    out.with.unshift(
      "transform(src_key, {planned_keys:Array(String)}, {planned_versions:Array(String)}, '') AS planned_version",
    );
    out.where.push(`${out.section} IN {scope_sections:Array(String)}`);
  }
  return out;
}

/** `file_time` (groups of the time the key carries; empty when none) and `key_time`, by how the layout dates keys. */
function keyTimeWith(layout: KeyLayout): string[] {
  const g = layout.groups;
  if (layout.datedBy === 'folders') {
    const part = (n: number | undefined, fallback: string) => (n ? `layout[${n}]` : `'${fallback}'`);
    return [
      `if(${part(g.yyyy, '')} = '', [], [${part(g.yyyy, '')}, ${part(g.mm, '01')}, ${part(g.dd, '01')}, ${part(g.hh, '00')}]) AS file_time`,
      `parseDateTime64BestEffortOrNull(
        concat(file_time[1], '-', file_time[2], '-', file_time[3], 'T', file_time[4], ':00:00Z'), 3, 'UTC') AS key_time`,
    ];
  }
  // The brief's timestamp: in {timestamp}, or (a layout without date placeholders) at the start of the file name.
  const source = layout.datedBy === 'timestamp' ? g.timestamp : g.file_name;
  return [
    `extractGroups(layout[${source}], {file_time_pattern:String}) AS file_time`,
    `parseDateTime64BestEffortOrNull(
        concat(file_time[1], 'T', file_time[2], ':', file_time[3], ':', file_time[4],
            if(file_time[5] = '', '', concat('.', file_time[5])), 'Z'), 3, 'UTC') AS key_time`,
  ];
}
