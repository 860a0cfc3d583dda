import { z } from 'zod';

/**
 * The envelopes AWS delivers events in (S3 notifications, EventBridge, SQS), as zod schemas. They are
 * loose, because AWS adds fields over time; our own request shapes beside them are strict.
 */

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
