import type { Runtime } from '../../src/runtime.js';
import { timed } from '../timed.js';
import type { ScenarioResult, ScenarioSpec } from '../types.js';
import { count } from './raw-copy.js';
import { linesSource } from './source-sql.js';

/**
 * The mapping common xAPI pipelines write: every column its own JSONExtract… call on the raw line
 * (each call parses the line again), into a table shaped like `statements`. It does less than our
 * path (no rejection reasons, no video_events, no ledger), which only flatters it.
 */
const PER_COLUMN_SELECT = `
SELECT
    toUUIDOrZero(JSONExtractString(line, 'id')) AS statement_id,
    JSONHas(line, 'id') AS has_id,
    parseDateTime64BestEffortOrZero(JSONExtractString(line, 'timestamp'), 3, 'UTC') AS timestamp,
    parseDateTime64BestEffortOrNull(JSONExtractString(line, 'stored'), 3, 'UTC') AS stored,
    JSONExtractString(line, 'version') AS version,
    JSONExtractString(line, 'actor', 'objectType') AS actor_object_type,
    JSONExtractString(line, 'actor', 'name') AS actor_name,
    multiIf(JSONExtractString(line, 'actor', 'mbox') != '', concat('mbox::', lower(JSONExtractString(line, 'actor', 'mbox'))),
        JSONExtractString(line, 'actor', 'account', 'name') != '',
        concat('account::', JSONExtractString(line, 'actor', 'account', 'homePage'), '::', JSONExtractString(line, 'actor', 'account', 'name')),
        '') AS actor_key,
    JSONExtractString(line, 'verb', 'id') AS verb_id,
    JSONExtractString(line, 'verb', 'display', 'en-US') AS verb_display,
    JSONExtractString(line, 'object', 'objectType') AS object_type,
    JSONExtractString(line, 'object', 'id') AS object_id,
    JSONExtractString(line, 'object', 'definition', 'type') AS object_definition_type,
    JSONExtractString(line, 'object', 'definition', 'name', 'en-US') AS object_name,
    toUUIDOrNull(JSONExtractString(line, 'context', 'registration')) AS registration,
    JSONExtractString(line, 'context', 'platform') AS platform,
    JSONExtractString(line, 'context', 'language') AS language,
    arrayMap(x -> JSONExtractString(x, 'id'), JSONExtractArrayRaw(line, 'context', 'contextActivities', 'parent')) AS context_parent_ids,
    arrayMap(x -> JSONExtractString(x, 'id'), JSONExtractArrayRaw(line, 'context', 'contextActivities', 'grouping')) AS context_grouping_ids,
    arrayMap(x -> JSONExtractString(x, 'id'), JSONExtractArrayRaw(line, 'context', 'contextActivities', 'category')) AS context_category_ids,
    arrayMap(x -> JSONExtractString(x, 'id'), JSONExtractArrayRaw(line, 'context', 'contextActivities', 'other')) AS context_other_ids,
    CAST(JSONExtractKeysAndValuesRaw(line, 'context', 'extensions'), 'Map(String, String)') AS context_extensions,
    JSONExtract(line, 'result', 'score', 'scaled', 'Nullable(Float64)') AS result_score_scaled,
    JSONExtract(line, 'result', 'score', 'raw', 'Nullable(Float64)') AS result_score_raw,
    JSONExtract(line, 'result', 'score', 'min', 'Nullable(Float64)') AS result_score_min,
    JSONExtract(line, 'result', 'score', 'max', 'Nullable(Float64)') AS result_score_max,
    JSONExtract(line, 'result', 'success', 'Nullable(Bool)') AS result_success,
    JSONExtract(line, 'result', 'completion', 'Nullable(Bool)') AS result_completion,
    JSONExtract(line, 'result', 'response', 'Nullable(String)') AS result_response,
    JSONExtract(line, 'result', 'duration', 'Nullable(String)') AS result_duration,
    CAST(JSONExtractKeysAndValuesRaw(line, 'result', 'extensions'), 'Map(String, String)') AS result_extensions,
    if(JSONExtractString(line, 'verb', 'id') = 'http://adlnet.gov/expapi/verbs/voided',
        toUUIDOrNull(JSONExtractString(line, 'object', 'id')), NULL) AS voided_statement_id,
    extractGroups(_path, '(?:^|/)section/([^/]+)/([^/]+)/[^/]+$') AS layout,
    layout[1] AS section_id,
    layout[2] AS event_type,
    '' AS source_bucket,
    _path AS source_key,
    ifNull(_etag, '') AS source_etag,
    _row_number + 1 AS line_number,
    generateUUIDv4() AS load_id,
    line AS raw`;

export async function runPerColumn(rt: Runtime, spec: ScenarioSpec): Promise<ScenarioResult> {
  const client = rt.engine.client;
  await client.command({ query: 'CREATE TABLE statements_per_column AS statements' });
  const from = linesSource(spec.source);
  const columns = await client.query({ query: 'DESCRIBE TABLE statements', format: 'JSONEachRow' });
  // Columns later migrations add and this mapping does not compute keep their defaults.
  const mapped = new Set([...PER_COLUMN_SELECT.matchAll(/ AS (\w+),?$/gm)].map((m) => m[1]));
  const names = (await columns.json<{ name: string }>()).map((c) => c.name).filter((n) => mapped.has(n));
  return timed(async () => {
    await client.command({
      query: `INSERT INTO statements_per_column (${names.join(', ')})
SELECT ${names.join(', ')} FROM (${PER_COLUMN_SELECT} FROM ${from.sql}) WHERE isValidJSON(raw)`,
      query_params: from.params,
    });
    const rows = await count(rt, 'statements_per_column');
    return { lines: rows, rows };
  });
}
