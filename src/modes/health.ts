import { randomUUID } from 'node:crypto';
import { ListObjectsV2Command, type ListObjectsV2CommandOutput, type S3Client } from '@aws-sdk/client-s3';
import type { ClickHouseSettings } from '@clickhouse/client';
import type { AppConfig } from '../config/env.js';
import type { Engine } from '../engine/create-engine.js';
import { stopQueries } from '../engine/running-queries.js';
import { errorMessage } from '../errors.js';
import { resolveS3Access } from '../load/s3-access.js';
import { buildSourceSql } from '../load/source-sql.js';
import { isBundleKey } from '../plan/file-format.js';
import { endpointOf } from '../plan/s3-client.js';
import { describeS3Failure } from '../plan/s3-errors.js';
import { type SourceObject, stripEtagQuotes } from '../plan/source-object.js';
import { label } from '../schema/migration-files.js';
import { readSchemaState, type SchemaState, schemaProblem } from '../schema/schema-state.js';
import type { HealthCheck } from './health-check.js';
import { aspectsCheck, sourceCheck } from './health-source.js';
import { type ModeResultBase, zeroCounts } from './result.js';

/**
 * Health check: is every piece the processor depends on working? Each check reports what it saw; any
 * failure makes `success` false with a reason. Nothing is written anywhere.
 */
export type { HealthCheck } from './health-check.js';

export interface HealthModeResult extends ModeResultBase {
  processing_mode: 'health';
  checks: {
    clickhouse: HealthCheck;
    schema: HealthCheck;
    s3_from_lambda: HealthCheck;
    s3_from_clickhouse: HealthCheck;
    ledger: HealthCheck;
    /** The key layout and record shape in force. */
    source: HealthCheck;
    /** Only with XAPI_ASPECTS_TABLE. */
    aspects?: HealthCheck;
  };
  reasons: string[];
}

export interface HealthParts {
  config: AppConfig;
  s3: S3Client;
  /** Undefined when the engine could not even be created (`engineError` says why). */
  engine?: Engine;
  engineError?: unknown;
}

export interface HealthOptions {
  bucket?: string;
  /** `loading` rows older than this are stuck (a Lambda runs at most 15 minutes). */
  stuckAfterMinutes?: number;
  prefix?: string;
  /** Overall limit (default HEALTH_TIME_LIMIT_MS). */
  timeLimitMs?: number;
}

/** The whole check ends within this (the CLI exits by then even if a request is still hanging). */
export const HEALTH_TIME_LIMIT_MS = 30_000;
/** One check may take at most this long. */
const CHECK_TIMEOUT_MS = 10_000;
const PROBE_FOLDER = '__xapi_etl_health_probe__/';
/**
 * The s3() probe must fail fast when S3 is down: ClickHouse retries a refused connection up to
 * s3_retry_attempts times (500 on 26.x), minutes in all, and max_execution_time does not stop that.
 * Measured on chDB 26.7 against an endpoint that never answers: 1 s with no retry, 13 s with one.
 */
const PROBE_S3_SETTINGS: ClickHouseSettings = {
  s3_retry_attempts: '0',
  s3_connect_timeout_ms: '3000',
  s3_request_timeout_ms: '5000',
  s3_throw_on_zero_files_match: 0,
};

export async function runHealth(parts: HealthParts, options: HealthOptions = {}): Promise<HealthModeResult> {
  const bucket = options.bucket ?? parts.config.s3.bucket;
  const prefix = options.prefix ?? parts.config.source.layout.head;
  const engine = parts.engine;
  const deadline = Date.now() + (options.timeLimitMs ?? HEALTH_TIME_LIMIT_MS);
  /** A check that runs a query on the engine (stopped if it runs out of time), or one that does not. */
  const check = <T extends HealthCheck>(fn: (marker: string) => Promise<T>) => bounded(fn, engine, deadline);
  const checkOutside = <T extends HealthCheck>(fn: () => Promise<T>) => bounded(fn, undefined, deadline);
  const engineDown: HealthCheck = {
    ok: false,
    error: `skipped: ClickHouse is not reachable`,
  };

  // The engine's own checks first: they never wait on S3.
  const clickhouse = engine
    ? await check(async (marker) => {
        const t0 = performance.now();
        const rs = await engine.client.query({
          query: `SELECT version() AS version /* ${marker} */`,
          format: 'JSONEachRow',
        });
        const [row] = await rs.json<{ version: string }>();
        return {
          ok: true,
          kind: engine.kind,
          version: row?.version,
          latency_ms: Math.round(performance.now() - t0),
        };
      })
    : { ok: false, error: `unreachable: ${errorMessage(parts.engineError)}` };

  const schema = engine && clickhouse.ok ? await check(() => schemaCheck(engine)) : engineDown;
  const ledger =
    engine && clickhouse.ok
      ? await check((marker) => ledgerCheck(engine, options.stuckAfterMinutes ?? 30, marker))
      : engineDown;
  const s3FromLambda: HealthCheck & { sample?: SourceObject } = bucket
    ? await checkOutside(() => lambdaS3Check(parts.s3, bucket, prefix))
    : { ok: false, error: 'no bucket: set S3_XAPI_BUCKET_NAME (or pass s3_bucket)' };
  const s3FromClickHouse =
    engine && clickhouse.ok && bucket
      ? await check((marker) =>
          clickhouseS3Check(parts.config, engine, bucket, prefix, s3FromLambda.sample, marker),
        )
      : bucket
        ? engineDown
        : { ok: false, error: 'no bucket' };

  const aspectsTable = parts.config.aspectsTable;
  const aspects = aspectsTable
    ? engine && clickhouse.ok
      ? await check(() => aspectsCheck(engine.client, aspectsTable))
      : engineDown
    : undefined;

  const { sample, ...s3Lambda } = s3FromLambda;
  const checks: HealthModeResult['checks'] = {
    clickhouse,
    schema,
    s3_from_lambda: { ...s3Lambda, ...(sample ? { sample_key: sample.key } : {}) },
    s3_from_clickhouse: s3FromClickHouse,
    ledger,
    source: sourceCheck(parts.config),
    ...(aspects ? { aspects } : {}),
  };
  const reasons = Object.entries(checks)
    .filter(([, c]) => !c.ok)
    .map(([name, c]) => `${name}: ${c.error ?? 'failed'}`);
  return {
    success: reasons.length === 0,
    processing_mode: 'health',
    section_id: null,
    ...zeroCounts(),
    checks,
    reasons,
  };
}

/** Where the schema stands (src/schema/schema-state.ts), and whether a rebuild of the analytics is under way. */
async function schemaCheck(engine: Engine): Promise<HealthCheck> {
  let state: SchemaState;
  try {
    state = await readSchemaState(engine.client);
  } catch (error) {
    return { ok: false, error: `the schema could not be read: ${errorMessage(error)}` };
  }
  const ok = state.status === 'current' || state.status === 'ahead';
  const rebuild = state.exists ? await rebuildUnderWay(engine) : undefined;
  return {
    ok,
    status: state.status,
    applied_version: state.appliedVersion,
    latest_version: state.latestVersion,
    pending: state.pending.map(label),
    modified: state.modified.map(label),
    ...(state.ahead.length > 0 ? { ahead: state.ahead } : {}),
    ...(state.derivedBehind.length > 0 ? { derived_behind: state.derivedBehind } : {}),
    ...(state.paused ? { loads_paused_since: state.paused.since } : {}),
    ...(rebuild ? { analytics_rebuild: rebuild } : {}),
    ...(ok ? {} : { error: schemaProblem(state, 'the database') }),
  };
}

/** An analytics rebuild not finished: how far it got (the public views still show the previous definition). */
async function rebuildUnderWay(engine: Engine): Promise<Record<string, unknown> | undefined> {
  try {
    const rs = await engine.client.query({
      query: `SELECT toString(r.started_at) AS started_at, r.sections_total AS sections_total,
                (SELECT count() FROM analytics_rebuild_sections FINAL WHERE rebuild_id = r.rebuild_id) AS sections_done
              FROM analytics_rebuilds AS r FINAL WHERE r.status = 'building' ORDER BY r.started_at DESC LIMIT 1`,
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ started_at: string; sections_done: string }>();
    return row ? { started_at: row.started_at, sections_done: Number(row.sections_done) } : undefined;
  } catch {
    return undefined; // a database older than 0003 has no rebuilds
  }
}

async function lambdaS3Check(
  s3: S3Client,
  bucket: string,
  prefix: string,
): Promise<HealthCheck & { sample?: SourceObject }> {
  const t0 = performance.now();
  let out: ListObjectsV2CommandOutput;
  try {
    out = await s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, MaxKeys: 50 }));
  } catch (cause) {
    throw new Error(describeS3Failure(cause, { bucket, key: prefix, endpoint: endpointOf(s3) }).reason);
  }
  const first = (out.Contents ?? []).find((o) => o.Key && isBundleKey(o.Key));
  return {
    ok: true,
    bucket,
    prefix,
    latency_ms: Math.round(performance.now() - t0),
    ...(first?.Key
      ? {
          sample: {
            kind: 's3',
            bucket,
            key: first.Key,
            etag: stripEtagQuotes(first.ETag),
            size: first.Size ?? 0,
          },
        }
      : {}),
  };
}

/**
 * A tiny s3() read through exactly the call the loader uses (same URL form and credentials): the first
 * line of one bundle, or, on an empty bucket, a listing of a folder that never exists (an empty result,
 * but S3 still has to accept ClickHouse's credentials to answer).
 */
async function clickhouseS3Check(
  config: AppConfig,
  engine: Engine,
  bucket: string,
  prefix: string,
  sample: SourceObject | undefined,
  marker: string,
): Promise<HealthCheck> {
  const access = await resolveS3Access(config.s3);
  const probe = sample
    ? [sample]
    : // "*" becomes the one-character wildcard "?": a glob, so ClickHouse lists the (empty) folder.
      [{ kind: 's3' as const, bucket, key: `${prefix}${PROBE_FOLDER}*`, etag: '', size: 0 }];
  const source = buildSourceSql(probe, { s3: config.s3, access });
  const t0 = performance.now();
  const rs = await engine.client.query({
    query: `SELECT count() AS lines FROM (SELECT line FROM (${source.sql}) LIMIT 1) /* ${marker} */`,
    query_params: source.params,
    format: 'JSONEachRow',
    clickhouse_settings: PROBE_S3_SETTINGS,
  });
  const [row] = await rs.json<{ lines: number | string }>();
  return {
    ok: true,
    probe: sample ? 'read the first line of a bundle' : 'listed an empty folder (no bundle to read yet)',
    ...(sample ? { key: sample.key } : {}),
    lines_read: Number(row?.lines ?? 0),
    latency_ms: Math.round(performance.now() - t0),
  };
}

async function ledgerCheck(engine: Engine, stuckAfterMinutes: number, marker: string): Promise<HealthCheck> {
  const rs = await engine.client.query({
    query: `SELECT toString(status) AS status, count() AS files, groupArray(10)(key) AS sample
            FROM ingested_files FINAL
            WHERE status = 'failed'
               OR (status = 'loading' AND started_at < now64(3) - toIntervalMinute({stuck:UInt32}))
            GROUP BY status /* ${marker} */`,
    query_params: { stuck: stuckAfterMinutes },
    format: 'JSONEachRow',
  });
  const rows = await rs.json<{ status: string; files: number | string; sample: string[] }>();
  const failed = rows.find((r) => r.status === 'failed');
  const stuck = rows.find((r) => r.status === 'loading');
  const problems: string[] = [];
  if (failed)
    problems.push(`${Number(failed.files)} file(s) failed (e.g. ${failed.sample.slice(0, 3).join(', ')})`);
  if (stuck) {
    problems.push(
      `${Number(stuck.files)} file(s) stuck loading for over ${stuckAfterMinutes} min (e.g. ${stuck.sample.slice(0, 3).join(', ')})`,
    );
  }
  return {
    ok: problems.length === 0,
    failed_files: Number(failed?.files ?? 0),
    stuck_files: Number(stuck?.files ?? 0),
    failed_sample: failed?.sample ?? [],
    stuck_sample: stuck?.sample ?? [],
    stuck_after_minutes: stuckAfterMinutes,
    ...(problems.length > 0
      ? { error: `${problems.join('; ')}; reload them with \`xapi-etl process\`` }
      : {}),
  };
}

/**
 * Runs one check within its time (and what is left of the whole check's). A check that runs out of
 * time is reported as such, and its query is stopped so that the connection is free for the next one.
 */
async function bounded<T extends HealthCheck>(
  fn: (marker: string) => Promise<T>,
  engine: Engine | undefined,
  deadline: number,
): Promise<T | HealthCheck> {
  const marker = `xapi-etl health ${randomUUID()}`;
  const limit = Math.max(0, Math.min(CHECK_TIMEOUT_MS, deadline - Date.now()));
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      fn(marker),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${Math.round(limit / 1000)} s`)), limit);
      }),
    ]);
  } catch (error) {
    if (engine && /no answer within/.test(String(error))) void stopQueries(engine, marker);
    return { ok: false, error: errorMessage(error) };
  } finally {
    clearTimeout(timer);
  }
}

/** The answer when not even the configuration or engine could be set up. */
export function healthWithoutEngine(error: unknown): HealthModeResult {
  const reason = errorMessage(error);
  const down: HealthCheck = { ok: false, error: 'skipped: the runtime could not be created' };
  return {
    success: false,
    processing_mode: 'health',
    section_id: null,
    ...zeroCounts(),
    checks: {
      clickhouse: { ok: false, error: reason },
      schema: down,
      s3_from_lambda: down,
      s3_from_clickhouse: down,
      ledger: down,
      source: down,
    },
    reasons: [`runtime: ${reason}`],
  };
}
