import { z } from 'zod';

/**
 * The values users put in requests (payloads, CLI flags), validated strictly: bucket names, section ids,
 * dates and key prefixes are user-controlled and end up in S3 calls and in SQL parameters.
 */
const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

export const bucketName = z.string().regex(BUCKET_NAME, 'must be an S3 bucket name');

/**
 * Section ids: "123", a course key ("course-v1:FUN-MOOC+00002+session01") or an IRI when the section is in the
 * statement. Values reach S3 calls and SQL only as parameters; still, nothing that reads as a path step, a quote
 * or a blank is accepted (a typo or an injection attempt, never a section). A layout with {section_id} in the key
 * also refuses "/" (src/plan/bulk-plan.ts).
 */
export const SECTION_ID_PATTERN = /^(?!.*(?:^|\/)\.\.?(?:\/|$))[^\s\p{Cc}'"`\\]{1,512}$/u;

/** A section id as users type it: "123", or a bare integer 123 (JSON numbers are an easy mistake). */
export const sectionId = z
  .union([z.string(), z.number().int().nonnegative()])
  .transform((v) => String(v))
  .refine(
    (v) => SECTION_ID_PATTERN.test(v),
    'must be a section id (1 to 512 characters, no blanks, quotes, backslashes or "." / ".." path steps)',
  );

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
