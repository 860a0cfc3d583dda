import { once } from 'node:events';
import fs from 'node:fs';
import readline from 'node:readline';
import type { Readable } from 'node:stream';
import { GetObjectCommand } from '@aws-sdk/client-s3';
import type { Runtime } from '../../src/runtime.js';
import { timed } from '../timed.js';
import type { ScenarioResult, ScenarioSpec } from '../types.js';

/**
 * What users write without us: the process downloads the object (AWS SDK) or reads the file, parses
 * every line with JSON.parse, maps it in JavaScript and inserts rows with @clickhouse/client
 * (JSONEachRow) into the same statements / video_events / rejected_statements tables, in batches.
 */
const BATCH_ROWS = 10_000;
const VIDEO = 'https://w3id.org/xapi/video/';
const EXT = `${VIDEO}extensions/`;

// Untyped JSON, as a hand-written loader treats it: the shape is only assumed.
// biome-ignore lint/suspicious/noExplicitAny: parsed statements are untyped on purpose
type Json = Record<string, any>;

export async function runNaive(rt: Runtime, spec: ScenarioSpec): Promise<ScenarioResult> {
  const source = spec.source;
  return timed(async () => {
    let input: Readable;
    let key: string;
    if (source.kind === 'file') {
      input = fs.createReadStream(source.path);
      key = source.path;
    } else if (source.kind === 's3') {
      const out = await rt.s3.send(new GetObjectCommand({ Bucket: source.bucket, Key: source.key }));
      input = out.Body as Readable;
      key = source.key;
    } else throw new Error('naive reads one object');
    const section = /section\/([^/]+)\//.exec(key)?.[1] ?? '';
    const tables = {
      statements: [] as Json[],
      video_events: [] as Json[],
      rejected_statements: [] as Json[],
    };
    let lines = 0;
    let rows = 0;
    let insertMs = 0;
    const flush = async (force: boolean) => {
      for (const [table, values] of Object.entries(tables) as [keyof typeof tables, Json[]][]) {
        if (values.length === 0 || (!force && values.length < BATCH_ROWS)) continue;
        rows += values.length;
        const t0 = performance.now();
        await rt.engine.client.insert({
          table,
          values: values.splice(0),
          format: 'JSONEachRow',
          clickhouse_settings: { date_time_input_format: 'best_effort' },
        });
        insertMs += performance.now() - t0;
      }
    };
    for await (const line of readline.createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
      lines += 1;
      let s: Json;
      try {
        s = JSON.parse(line);
        if (!s || typeof s !== 'object' || !s.actor || !s.verb?.id || !s.object)
          throw new Error('not a statement');
        if (s.timestamp !== undefined && Number.isNaN(Date.parse(s.timestamp)))
          throw new Error('bad timestamp');
      } catch (error) {
        tables.rejected_statements.push({
          section_id: section,
          source_key: key,
          line_number: lines,
          reason: 'invalid',
          detail: (error as Error).message,
          raw: line,
        });
        continue;
      }
      const row = statementRow(s, section, key, lines, line);
      tables.statements.push(row);
      if (row.object_definition_type === `${VIDEO}activity-type/video`)
        tables.video_events.push(videoRow(s, row));
      if (tables.statements.length >= BATCH_ROWS) await flush(false);
    }
    await flush(true);
    if (!input.readableEnded && !input.destroyed) await once(input, 'close').catch(() => undefined);
    return { lines, rows, detail: { insert_ms: Math.round(insertMs) } };
  });
}

function statementRow(s: Json, section: string, key: string, lineNumber: number, raw: string): Json {
  const a = s.actor ?? {};
  const ctx = s.context ?? {};
  const ca = ctx.contextActivities ?? {};
  const r = s.result ?? {};
  const ids = (list: unknown) => (Array.isArray(list) ? list.map((x: Json) => String(x?.id ?? '')) : []);
  return {
    statement_id: s.id,
    has_id: true,
    timestamp: s.timestamp,
    stored: s.stored ?? null,
    version: s.version ?? '',
    actor_object_type: a.objectType ?? 'Agent',
    actor_name: a.name ?? '',
    actor_key: a.mbox
      ? `mbox::${String(a.mbox).toLowerCase()}`
      : a.account
        ? `account::${a.account.homePage}::${a.account.name}`
        : '',
    verb_id: s.verb.id,
    verb_display: s.verb.display?.['en-US'] ?? '',
    object_type: s.object.objectType ?? 'Activity',
    object_id: s.object.id ?? '',
    object_definition_type: s.object.definition?.type ?? '',
    object_name: s.object.definition?.name?.['en-US'] ?? '',
    registration: ctx.registration ?? null,
    platform: ctx.platform ?? '',
    language: ctx.language ?? '',
    context_parent_ids: ids(ca.parent),
    context_grouping_ids: ids(ca.grouping),
    context_category_ids: ids(ca.category),
    context_other_ids: ids(ca.other),
    context_extensions: rawValues(ctx.extensions),
    result_score_scaled: r.score?.scaled ?? null,
    result_success: r.success ?? null,
    result_completion: r.completion ?? null,
    result_response: r.response ?? null,
    result_duration: r.duration ?? null,
    result_extensions: rawValues(r.extensions),
    section_id: section,
    event_type: 'video',
    source_key: key,
    line_number: lineNumber,
    raw,
  };
}

function videoRow(s: Json, row: Json): Json {
  const ce = s.context?.extensions ?? {};
  const re = s.result?.extensions ?? {};
  const num = (v: unknown) =>
    v === undefined || v === null || v === '' ? null : Number.parseFloat(String(v));
  const segments = String(re[`${EXT}played-segments`] ?? '');
  return {
    statement_id: row.statement_id,
    timestamp: row.timestamp,
    section_id: row.section_id,
    actor_key: row.actor_key,
    verb_id: row.verb_id,
    video_id: row.object_id,
    video_name: row.object_name,
    session_id: ce[`${EXT}session-id`] ?? '',
    time: num(re[`${EXT}time`] ?? re[`${EXT}time-to`]),
    progress: num(re[`${EXT}progress`]),
    played_segments: segments
      ? segments.split('[,]').map((p) => {
          const [start, end] = p.split('[.]').map((x) => Number.parseFloat(x));
          return { start, end };
        })
      : [],
    played_segments_raw: segments,
    length: num(ce[`${EXT}length`]),
    completion_threshold: num(ce[`${EXT}completion-threshold`]),
    source_key: row.source_key,
    line_number: row.line_number,
  };
}

/** Extension values as the JSON text of each value (strings unquoted), like the engine-side mapping. */
function rawValues(extensions: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!extensions || typeof extensions !== 'object') return out;
  for (const [k, v] of Object.entries(extensions)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}
