import { z } from 'zod';
import { bucketName } from './fields.js';

/** A health check request: `{"health_check": true}`, optionally naming the bucket to probe. */
export const healthPayloadSchema = z.strictObject({
  health_check: z.literal(true),
  s3_bucket: bucketName.optional(),
  /** A ledger row still `loading` after this long is reported as stuck (a Lambda runs 15 minutes at most). */
  stuck_after_minutes: z.number().int().min(1).max(10080).optional(),
});
export type HealthPayload = z.infer<typeof healthPayloadSchema>;
