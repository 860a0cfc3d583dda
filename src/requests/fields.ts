import { z } from 'zod';
import { SECTION_ID_PATTERN } from '../plan/key-layout.js';

/**
 * The values users put in requests (payloads, CLI flags), validated strictly: bucket names, section ids,
 * dates and key prefixes are user-controlled and end up in S3 calls and in SQL parameters.
 */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const bucketName = z.string().regex(BUCKET_NAME, 'must be an S3 bucket name');

/** A section id as users type it: "123", or a bare integer 123 (JSON numbers are an easy mistake). */
export const sectionId = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform((v) => String(v))
  .refine((v) => SECTION_ID_PATTERN.test(v), 'must be a plain identifier (letters, digits, "_" and "-")');

export const isoDate = z
  .string()
  .regex(DATE, 'must be a date YYYY-MM-DD')
  .refine((d) => !DATE.test(d) || isCalendarDate(d), 'is not a calendar date');

function isCalendarDate(d: string): boolean {
  const t = new Date(`${d}T00:00:00Z`);
  return !Number.isNaN(t.getTime()) && t.toISOString().startsWith(d);
}

export const s3Prefix = z
  .string()
  .max(512)
  .regex(/^(?:[^/\s*?{}[\]\\][^\s*?{}[\]\\]*\/)?$/, 'must be a key prefix ending with "/" (e.g. "section/")');
