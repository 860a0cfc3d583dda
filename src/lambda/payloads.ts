import { z } from 'zod';
import { SECTION_ID_PATTERN } from '../plan/key-layout.js';

/**
 * The payload shapes the Lambda accepts, as zod schemas. Our own shapes (direct event, bulk, health) are
 * strict: an unknown field is reported, never ignored. AWS's envelopes (S3, EventBridge, SQS) are loose,
 * because AWS adds fields over time.
 */

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const bucketName = z.string().regex(BUCKET_NAME, 'must be an S3 bucket name');

/** A section id as users type it: "123", or a bare integer 123 (JSON numbers are an easy mistake). */
const sectionId = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform((v) => String(v))
  .refine((v) => SECTION_ID_PATTERN.test(v), 'must be a plain identifier (letters, digits, "_" and "-")');

const isoDate = z
  .string()
  .regex(DATE, 'must be a date YYYY-MM-DD')
  .refine((d) => !DATE.test(d) || isCalendarDate(d), 'is not a calendar date');

function isCalendarDate(d: string): boolean {
  const t = new Date(`${d}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().startsWith(d);
}

const s3Prefix = z
  .string()
  .max(512)
  .regex(/^(?:[^/\s*?{}[\]\\][^\s*?{}[\]\\]*\/)?$/, 'must be a key prefix ending with "/" (e.g. "section/")');

export const directEventSchema = z.strictObject({
  bucket: bucketName,
  key: z.string().min(1).max(1024),
});

/** Carried from one invocation of a long backfill to the next (asynchronous self-invoke). */
export const continuationSchema = z.strictObject({
  after_key: z.string().max(1024),
  run_id: z.string().uuid(),
  invocation: z.number().int().positive(),
  started_at: z.string(),
  totals: z.strictObject({
    files_processed: z.number().int().nonnegative(),
    files_skipped: z.number().int().nonnegative(),
    files_failed: z.number().int().nonnegative(),
    events_processed: z.number().int().nonnegative(),
    video_events_processed: z.number().int().nonnegative(),
    events_rejected: z.number().int().nonnegative(),
    bytes: z.number().int().nonnegative(),
  }),
});
export type Continuation = z.infer<typeof continuationSchema>;

export const BULK_FIELDS = [
  'mode',
  'section_id',
  'start_date',
  'end_date',
  's3_bucket',
  's3_prefix',
  'dry_run',
  'force_reprocess',
  'continuation',
] as const;

export const bulkPayloadSchema = z
  .strictObject({
    mode: z.literal('bulk').optional(),
    section_id: z.union([sectionId, z.array(sectionId).min(1).max(1000)]).optional(),
    start_date: isoDate.optional(),
    end_date: isoDate.optional(),
    s3_bucket: bucketName.optional(),
    s3_prefix: s3Prefix.default('section/'),
    dry_run: z.boolean().default(false),
    force_reprocess: z.boolean().default(false),
    continuation: continuationSchema.optional(),
  })
  .refine((p) => !p.start_date || !p.end_date || p.end_date >= p.start_date, {
    path: ['end_date'],
    message: 'is before start_date',
  });
export type BulkPayload = z.infer<typeof bulkPayloadSchema>;

export const healthPayloadSchema = z.strictObject({
  health_check: z.literal(true),
  s3_bucket: bucketName.optional(),
  /** A ledger row still `loading` after this long is reported as stuck (a Lambda runs 15 minutes at most). */
  stuck_after_minutes: z.number().int().min(1).max(10080).optional(),
});
export type HealthPayload = z.infer<typeof healthPayloadSchema>;

/** One record of an S3 event notification (S3 → Lambda, or inside an SQS/SNS message). Keys are URL-encoded. */
export const s3RecordSchema = z.object({
  eventSource: z.literal('aws:s3'),
  eventName: z.string(),
  s3: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({ key: z.string().min(1), size: z.number().optional(), eTag: z.string().optional() }),
  }),
});
export const s3NotificationSchema = z.object({ Records: z.array(s3RecordSchema).min(1) });

/** S3 → EventBridge "Object Created". */
export const eventBridgeSchema = z.object({
  source: z.literal('aws.s3'),
  'detail-type': z.literal('Object Created'),
  detail: z.object({
    bucket: z.object({ name: z.string().min(1) }),
    object: z.object({ key: z.string().min(1), size: z.number().optional(), etag: z.string().optional() }),
  }),
});

export const sqsRecordSchema = z.object({
  eventSource: z.literal('aws:sqs'),
  messageId: z.string().min(1),
  body: z.string(),
});
export const sqsEventSchema = z.object({ Records: z.array(sqsRecordSchema).min(1) });

export const ACCEPTED_SHAPES =
  'Accepted payloads: {"bucket","key"} | an S3 notification {"Records":[{"eventSource":"aws:s3",…}]} | ' +
  'an EventBridge "Object Created" event | SQS messages carrying S3 notifications | ' +
  '{"mode":"bulk","section_id","start_date","end_date","s3_bucket","s3_prefix","dry_run","force_reprocess"} | ' +
  '{"health_check":true}.';
