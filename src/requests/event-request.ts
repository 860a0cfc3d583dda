import { z } from 'zod';
import { bucketName } from './fields.js';

/** One object an event names (keys already URL-decoded): what event mode loads. */
export interface EventTarget {
  bucket: string;
  key: string;
  /** Other spellings of the key to try when this one does not exist (EventBridge encoding varies). */
  alternateKeys?: string[];
  /** The SQS message that carried it, for partial batch responses. */
  messageId?: string;
}

/** The direct event request `{"bucket","key"}` (the key as stored, not encoded). */
export const directEventSchema = z.strictObject({
  bucket: bucketName,
  key: z.string().min(1).max(1024),
});
