import { EngineError } from '../errors.js';
import type { FileCounts } from '../ledger/ledger.js';
import { objectEtag, type SourceObject } from '../plan/source-object.js';
import type { Runtime } from '../runtime-types.js';
import { engineThreads, insertSettings } from './insert-settings.js';
import { buildInsertSql, FILE_COUNTS_SQL } from './insert-sql.js';
import { recordSql } from './record-sql.js';
import type { S3Access } from './s3-access.js';
import { buildSourceSql } from './source-sql.js';

/** One file of a batch, and the load id its rows carry (its claim's id). */
export interface PlannedFile {
  object: SourceObject;
  loadId: string;
}

/**
 * ClickHouse retries an S3 request answering 5xx up to s3_retry_attempts times (500 by default on
 * recent versions) for each of s3_max_single_read_retries reads: a bucket answering 503 for good kept
 * one INSERT retrying for many minutes, past the Lambda timeout. Bounded here, a brief 503 burst or a
 * cut connection is still ridden out, and a lasting outage fails the batch within seconds (retryable:
 * the event is retried later). An object deleted after planning reads as empty instead of failing
 * every file of its batch (it is then marked superseded). test/reliability/faults.test.ts shows each.
 */
const S3_READ_SETTINGS = { s3_retry_attempts: '6', s3_ignore_file_doesnt_exist: 1 };
/** Plain reads (not mmap) of local files, so that ClickHouse counts their bytes as it goes (progress). */
const FILE_READ_SETTINGS = { storage_file_read_method: 'read' as const };

/**
 * The one INSERT … SELECT FROM s3()/file() of a batch, then each file's counts (written by the same
 * INSERT). `marker` names every query of this load (query id and log_comment): progress, Ctrl-C and a
 * takeover's check find it by that.
 */
export async function loadBatch(
  rt: Runtime,
  batch: PlannedFile[],
  marker: string,
  mode: string,
  access: S3Access | undefined,
  deadlineAt?: number,
  scopeSections?: string[],
): Promise<Map<string, FileCounts>> {
  const client = rt.engine.client;
  const first = (batch[0] as PlannedFile).object;
  const isS3 = first.kind === 's3';
  if (!isS3 && rt.engine.kind !== 'embedded') {
    throw new EngineError(
      'Local files can only be loaded by the embedded engine; upload them to S3 for a server.',
      { retryable: false },
    );
  }
  const cluster = isS3 ? rt.engine.cluster : undefined;
  const objects = batch.map((f) => f.object);
  const source = buildSourceSql(objects, { s3: rt.config.s3, access, cluster });
  const records = recordSql(rt.config.source, scopeSections);
  const threads = await engineThreads(client, rt.config.insertThreads);
  await client.command({
    query_id: marker,
    query: buildInsertSql(source, rt.config.validation, records),
    query_params: {
      ...source.params,
      ...records.params,
      ...(cluster ? { cluster_name: cluster } : {}),
      is_s3: isS3,
      planned_keys: objects.map((o) => o.key),
      planned_etags: objects.map(objectEtag),
      ...(scopeSections ? { planned_versions: objects.map((o) => o.etag) } : {}),
      planned_load_ids: batch.map((f) => f.loadId),
      load_mode: mode,
      validation: rt.config.validation,
      default_version: rt.config.defaultVersion,
      bucket: first.bucket,
    },
    clickhouse_settings: {
      ...insertSettings({
        batchBytes: objects.reduce((n, o) => n + o.size, 0),
        files: batch.length,
        threads,
        validation: rt.config.validation,
      }),
      ...(isS3 ? S3_READ_SETTINGS : FILE_READ_SETTINGS),
      // No parallel_distributed_insert_select: ClickHouse applies it to an INSERT into a Replicated or Distributed
      // table, not into the Null table whose views parse (docs/engines.md, "s3Cluster"): s3Cluster() spreads the
      // reading across the nodes; parsing and writing run on the node that got the query.
      // Rows routed to their shard by section must be there before the analytics refresh reads them.
      ...(rt.engine.schema.sharded ? { distributed_foreground_insert: 1 } : {}),
      // Also as log_comment: chDB keeps query ids of its own, and system.processes cuts the query text
      // after 100,000 characters, which a batch's planned keys and ETags alone can pass.
      log_comment: marker,
      // The server stops the INSERT by itself at the invocation's deadline, even if the kill cannot reach it.
      ...(deadlineAt
        ? { max_execution_time: Math.max(1, Math.floor((deadlineAt - Date.now()) / 1000)) }
        : {}),
    },
  });
  const rs = await client.query({
    query: FILE_COUNTS_SQL,
    query_params: { load_ids: batch.map((f) => f.loadId) },
    format: 'JSONEachRow',
  });
  const rows = await rs.json<FileCounts & { key: string; etag: string }>();
  return new Map(
    rows.map((r) => [
      `${r.key}\u0000${r.etag}`,
      {
        lines: Number(r.lines),
        statements: Number(r.statements),
        video_events: Number(r.video_events),
        rejected: Number(r.rejected),
      },
    ]),
  );
}
