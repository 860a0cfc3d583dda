import type { z } from 'zod';
import { InputError } from '../errors.js';
import {
  ACCEPTED_SHAPES,
  eventBridgeSchema,
  s3NotificationSchema,
  sqsEventSchema,
} from '../requests/aws-envelopes.js';
import { BULK_FIELDS, type BulkPayload, bulkPayloadSchema } from '../requests/bulk-request.js';
import { directEventSchema, type EventTarget } from '../requests/event-request.js';
import { type HealthPayload, healthPayloadSchema } from '../requests/health-request.js';

export type ProcessingMode = 'event' | 'bulk' | 'health';

/** A payload that cannot be processed; `mode` is set when its shape made the intended mode clear. */
export class PayloadError extends InputError {
  readonly mode?: ProcessingMode;
  constructor(message: string, mode?: ProcessingMode) {
    super(message);
    this.mode = mode;
  }
}

/** An SQS message we could not use: acknowledged (retrying cannot fix it) and reported. */
export interface BadMessage {
  messageId: string;
  error: string;
}

export type DetectedPayload =
  | {
      mode: 'event';
      source: 'direct' | 's3' | 'eventbridge' | 'sqs';
      targets: EventTarget[];
      /** Records that are not uploads (ObjectRemoved, s3:TestEvent): nothing to do. */
      ignored: number;
      badMessages: BadMessage[];
      /** Every SQS message id in the batch, for partial batch responses. */
      messageIds: string[];
    }
  | { mode: 'bulk'; payload: BulkPayload }
  | { mode: 'health'; payload: HealthPayload };

/**
 * Decides the mode from the payload's structure (docs/lambda.md, "Payloads and modes") and validates it. Throws one
 * InputError naming what was wrong and the accepted shapes.
 */
export function detectMode(payload: unknown): DetectedPayload {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw invalid(`the payload must be a JSON object, got ${describeType(payload)}`);
  }
  const p = payload as Record<string, unknown>;
  if ('health_check' in p)
    return { mode: 'health', payload: parse(healthPayloadSchema, p, 'health', 'health') };
  if ('Records' in p) return fromRecords(p);
  if (p.source === 'aws.s3' || 'detail-type' in p) {
    const e = parse(eventBridgeSchema, p, 'EventBridge event', 'event');
    return eventOf('eventbridge', [fromEventBridge(e)]);
  }
  if ('mode' in p && p.mode !== 'bulk') {
    throw invalid(`mode: must be "bulk" (event and health are detected from the payload's shape)`);
  }
  if ('mode' in p) return { mode: 'bulk', payload: parse(bulkPayloadSchema, p, 'bulk', 'bulk') };
  if ('bucket' in p || 'key' in p) {
    const d = parse(directEventSchema, p, 'event', 'event');
    return eventOf('direct', [{ bucket: d.bucket, key: d.key }]);
  }
  if (BULK_FIELDS.some((f) => f in p)) {
    return { mode: 'bulk', payload: parse(bulkPayloadSchema, p, 'bulk', 'bulk') };
  }
  const keys = Object.keys(p);
  throw invalid(
    keys.length === 0
      ? 'the payload is empty'
      : `no mode matches the fields ${keys.map((k) => JSON.stringify(k)).join(', ')}`,
  );
}

function fromRecords(p: Record<string, unknown>): DetectedPayload {
  const first = Array.isArray(p.Records)
    ? (p.Records[0] as { eventSource?: unknown } | undefined)
    : undefined;
  if (first?.eventSource === 'aws:sqs') {
    const sqs = parse(sqsEventSchema, p, 'SQS event', 'event');
    const targets: EventTarget[] = [];
    const badMessages: BadMessage[] = [];
    let ignored = 0;
    for (const m of sqs.Records) {
      try {
        const inner = fromMessageBody(m.body);
        ignored += inner.ignored;
        for (const t of inner.targets) targets.push({ ...t, messageId: m.messageId });
      } catch (error) {
        badMessages.push({ messageId: m.messageId, error: (error as Error).message });
      }
    }
    return {
      mode: 'event',
      source: 'sqs',
      targets,
      ignored,
      badMessages,
      messageIds: sqs.Records.map((m) => m.messageId),
    };
  }
  const { targets, ignored } = fromS3Notification(parse(s3NotificationSchema, p, 'S3 notification', 'event'));
  return { mode: 'event', source: 's3', targets, ignored, badMessages: [], messageIds: [] };
}

/** An SQS body: an S3 notification, S3's test event, an EventBridge event, or any of those inside SNS. */
function fromMessageBody(body: string): { targets: EventTarget[]; ignored: number } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    throw new InputError('message body is not JSON');
  }
  const o = (parsed ?? {}) as Record<string, unknown>;
  if (o.Type === 'Notification' && typeof o.Message === 'string') return fromMessageBody(o.Message);
  if (o.Event === 's3:TestEvent') return { targets: [], ignored: 1 };
  if (o.source === 'aws.s3')
    return { targets: [fromEventBridge(parse(eventBridgeSchema, o, 'EventBridge'))], ignored: 0 };
  return fromS3Notification(parse(s3NotificationSchema, o, 'S3 notification in an SQS message'));
}

function fromS3Notification(n: z.infer<typeof s3NotificationSchema>): {
  targets: EventTarget[];
  ignored: number;
} {
  const targets: EventTarget[] = [];
  let ignored = 0;
  for (const r of n.Records) {
    if (!r.eventName.startsWith('ObjectCreated')) {
      ignored += 1;
      continue;
    }
    targets.push({ bucket: r.s3.bucket.name, key: decodeS3Key(r.s3.object.key) });
  }
  return { targets, ignored };
}

function fromEventBridge(e: z.infer<typeof eventBridgeSchema>): EventTarget {
  // EventBridge documents the key raw; some producers still URL-encode it, so the decoded spelling is
  // tried when the raw one does not exist.
  const key = e.detail.object.key;
  const decoded = safeDecode(key);
  return {
    bucket: e.detail.bucket.name,
    key,
    ...(decoded !== undefined && decoded !== key ? { alternateKeys: [decoded] } : {}),
  };
}

/** S3 notifications URL-encode the key, with `+` for a space ("red flower.jpg" → "red+flower.jpg"). */
export function decodeS3Key(key: string): string {
  const decoded = safeDecode(key);
  if (decoded === undefined) throw new InputError(`object key "${key}" is not valid URL encoding`);
  return decoded;
}

function safeDecode(key: string): string | undefined {
  try {
    return decodeURIComponent(key.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function eventOf(source: 'direct' | 's3' | 'eventbridge', targets: EventTarget[]): DetectedPayload {
  return { mode: 'event', source, targets, ignored: 0, badMessages: [], messageIds: [] };
}

function parse<S extends z.ZodType>(
  schema: S,
  value: unknown,
  shape: string,
  mode?: ProcessingMode,
): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const problems = r.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`;
    }
    const where = issue.path.length > 0 ? issue.path.join('.') : '(payload)';
    return `${where}: ${issue.message}`;
  });
  throw invalid(`${shape} payload: ${problems.join('; ')}`, mode);
}

function invalid(message: string, mode?: ProcessingMode): PayloadError {
  return new PayloadError(`Invalid payload: ${message}. ${ACCEPTED_SHAPES}`, mode);
}

function describeType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v;
}
