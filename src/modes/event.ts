import { forEachLimited } from '../concurrency.js';
import { errorMessage, InputError, XapiEtlError } from '../errors.js';
import { ingest } from '../load/ingest.js';
import type { FileOutcome } from '../load/ingest-types.js';
import { FORMATS_TEXT, isBundleKey } from '../plan/file-format.js';
import { headObject } from '../plan/s3-objects.js';
import type { SourceObject } from '../plan/source-object.js';
import type { EventTarget } from '../requests/event-request.js';
import type { Runtime } from '../runtime-types.js';
import { type RejectionCounts, rejectionsByReason } from './rejections.js';
import { countsOf, type ModeResultBase, singleSection, withFailureCause, zeroCounts } from './result.js';

export interface EventFileResult {
  bucket: string;
  key: string;
  etag?: string;
  outcome: FileOutcome | 'ignored';
  statements: number;
  video_events: number;
  rejected: number;
  lines: number;
  error?: string;
  /** A failure worth retrying (S3 or ClickHouse unreachable); a missing object is not. */
  retryable?: boolean;
  /** The SQS messages that named this object (for the partial batch response). */
  message_ids: string[];
}

export interface EventModeResult extends ModeResultBase {
  processing_mode: 'event';
  files: EventFileResult[];
  /** True when at least one failure is transient: the invocation should be retried. */
  retryable_failure: boolean;
  /** Records that were not uploads (ObjectRemoved, S3's test event). */
  ignored_records?: number;
  /** SQS messages that carried no usable notification (acknowledged, reported). */
  bad_messages?: { message_id: string; error: string }[];
  /** Rejected lines by reason code, when any line was rejected. */
  rejected_by_reason?: RejectionCounts;
}

const HEAD_CONCURRENCY = 8;

/**
 * Event mode: HEAD each named object (its current ETag is the version to load), then load them all in
 * as few INSERTs as the batch limits allow. Objects already loaded at that ETag are skipped.
 */
export async function runEvent(
  rt: Runtime,
  targets: EventTarget[],
  options: { force?: boolean; signal?: AbortSignal; deadlineAt?: number; owner?: string } = {},
): Promise<EventModeResult> {
  const layout = rt.config.source.layout;
  const files = new Map<string, EventFileResult>();
  const toHead: { id: string; target: EventTarget }[] = [];
  for (const t of targets) {
    const id = `${t.bucket}\u0000${t.key}`;
    const known = files.get(id);
    if (known) {
      if (t.messageId) known.message_ids.push(t.messageId);
      continue;
    }
    const file: EventFileResult = {
      bucket: t.bucket,
      key: t.key,
      outcome: 'ignored',
      ...fileZero(),
      message_ids: t.messageId ? [t.messageId] : [],
    };
    files.set(id, file);
    const keys = [t.key, ...(t.alternateKeys ?? [])];
    if (!keys.some(isBundleKey)) {
      file.error = `not a JSONL bundle (${FORMATS_TEXT}): ignored`;
      continue;
    }
    if (!keys.some((k) => layout.parse(k))) {
      file.error = `does not match the key layout XAPI_KEY_LAYOUT=${layout.template}: ignored`;
      continue;
    }
    toHead.push({ id, target: t });
  }

  const objects: SourceObject[] = [];
  let headFailures = 0;
  await forEachLimited(toHead, HEAD_CONCURRENCY, async ({ id, target }) => {
    const file = files.get(id) as EventFileResult;
    try {
      const object = await headFirstExisting(rt, target);
      file.key = object.key;
      file.etag = object.etag;
      objects.push(object);
    } catch (error) {
      headFailures += 1;
      file.outcome = 'failed';
      file.error = errorMessage(error);
      file.retryable = error instanceof XapiEtlError ? error.retryable : true;
    }
  });

  const loaded = await ingest(rt, objects, {
    mode: 'event',
    force: options.force,
    signal: options.signal,
    deadlineAt: options.deadlineAt,
    owner: options.owner,
  });
  const byKey = new Map([...files.values()].map((f) => [`${f.bucket}\u0000${f.key}`, f]));
  for (const r of loaded.files) {
    const file = byKey.get(`${r.bucket}\u0000${r.key}`);
    if (!file) continue;
    Object.assign(file, {
      etag: r.etag,
      outcome: r.outcome,
      statements: r.statements,
      video_events: r.video_events,
      rejected: r.rejected,
      lines: r.lines,
      ...(r.error ? { error: r.error, retryable: r.retryable ?? true } : {}),
    });
  }

  for (const r of loaded.remaining) {
    const file = byKey.get(`${r.bucket}\u0000${r.key}`);
    if (file)
      Object.assign(file, { outcome: 'failed', error: 'interrupted before it was loaded', retryable: true });
  }

  const list = [...files.values()];
  const counts = { ...zeroCounts(), ...countsOf(loaded.totals) };
  counts.files_skipped += list.filter((f) => f.outcome === 'ignored').length;
  counts.files_failed += headFailures + loaded.remaining.length;
  return withFailureCause(
    {
      success: counts.files_failed === 0,
      processing_mode: 'event',
      section_id: singleSection(list.flatMap((f) => layout.parse(f.key)?.sectionId || [])),
      ...counts,
      files: list,
      retryable_failure: list.some((f) => f.outcome === 'failed' && f.retryable === true),
      ...(counts.events_rejected > 0
        ? {
            rejected_by_reason: await rejectionsByReason(
              rt.engine.client,
              loaded.files.map((f) => f.load_id),
            ),
          }
        : {}),
    } satisfies EventModeResult as EventModeResult,
    loaded.retryableError,
  );
}

async function headFirstExisting(rt: Runtime, target: EventTarget): Promise<SourceObject> {
  const keys = [target.key, ...(target.alternateKeys ?? [])];
  let lastMissing: unknown;
  for (const key of keys) {
    try {
      return await headObject(rt.s3, target.bucket, key);
    } catch (error) {
      if (!(error instanceof InputError)) throw error;
      lastMissing = error;
    }
  }
  throw lastMissing;
}

function fileZero() {
  return { statements: 0, video_events: 0, rejected: 0, lines: 0 };
}
