import { z } from 'zod';
import { bucketName, isoDate, s3Prefix, sectionId } from './fields.js';

/**
 * A backfill request (Lambda bulk mode, `xapi-etl bulk`): strict, an unknown field is reported, never
 * ignored. The Lambda's payload detection (src/lambda/) and the bulk mode (src/modes/) both use it.
 */
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
    // Default: the folders the key layout starts with ("section/" for the default layout).
    s3_prefix: s3Prefix.optional(),
    dry_run: z.boolean().default(false),
    force_reprocess: z.boolean().default(false),
    continuation: continuationSchema.optional(),
  })
  .refine((p) => !p.start_date || !p.end_date || p.end_date >= p.start_date, {
    path: ['end_date'],
    message: 'is before start_date',
  });
export type BulkPayload = z.infer<typeof bulkPayloadSchema>;
