import { sqlStringBody } from '../sql-literal.js';
import type { Format } from './model.js';

/**
 * What each string format of xAPI 1.0.3 accepts, as RE2 patterns. Best-effort, as 2.2.s4.b6 and b7 allow for IRIs
 * and language tags.
 */
export const PATTERNS: Record<Exclude<Format, 'timestamp' | 'timestamp2'>, string> = {
  // 4.4: standard string form.
  uuid: '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$',
  // 4.3 / RFC 3987: a scheme, then no whitespace (2.2.s4.b1.b8: never without a scheme).
  iri: String.raw`^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$`,
  // An IRL: 2.2.s4.b1.b8 requires a scheme; beyond that the check is an IRI's (2.2.s4.b6 allows best effort, and
  // an IRL that does not look like scheme://host, a urn: or file:/// one, is still one to some LRSs).
  irl: String.raw`^[A-Za-z][A-Za-z0-9+.-]*:[^\s]*$`,
  // 2.4.2.3.s3.table1.row1: "mailto:email address".
  mailto: String.raw`^mailto:[^@\s]+@[^@\s]+$`,
  sha1: '^[0-9a-fA-F]{40}$',
  // 4.6: ISO 8601 durations; weeks stand alone ("P4W1D is not valid"); a decimal comma is ISO 8601 too.
  duration: String.raw`^P(?:\d+(?:[.,]\d+)?W|(?:\d+(?:[.,]\d+)?Y)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?D)?(?:T(?:\d+(?:[.,]\d+)?H)?(?:\d+(?:[.,]\d+)?M)?(?:\d+(?:[.,]\d+)?S)?)?)$`,
  // 2.4.11.s2.table1.row4 / RFC 2046: type/subtype, parameters allowed.
  mediaType: String.raw`^[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+(\s*;.*)?$`,
  // RFC 5646 language tag (langtag | privateuse); 2.2.s4.b2 asks for the sequence of token lengths.
  langTag:
    '^(?:[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}|[A-Za-z]{4,8})(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|[0-9]{3}))?(?:-(?:[A-Za-z0-9]{5,8}|[0-9][A-Za-z0-9]{3}))*(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z0-9]{2,8})+)*(?:-[Xx](?:-[A-Za-z0-9]{1,8})+)?$|^[Xx](?:-[A-Za-z0-9]{1,8})+$',
  // 2.4.10.s3.b2: a version starts with 1.0.
  version: String.raw`^1\.0(\.\d+)?$`,
  // xAPI 2.0: "If an LRP sets the Statement version, it shall set it to 2.0.0."
  version2: String.raw`^2\.0\.0$`,
};

/**
 * 4.5: an ISO 8601 date and time, extended (2024-03-04T10:20:30.5Z) or basic (20240304T102030Z) format; `-00:00`
 * is not an offset ISO 8601 allows (it is RFC 3339's "unknown local offset").
 */
const TIMESTAMP = String.raw`^(?:\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?|\d{8}T\d{2}(?:\d{2}(?:\d{2}(?:[.,]\d+)?)?)?)(?:Z|z|[+-]\d{2}(?::?\d{2})?)?$`;

/**
 * xAPI 2.0: RFC 3339's date-time (section 5.6): seconds and an offset required, `T` (or `t`, or a space as its
 * note allows) between date and time; no basic format. `-00:00` stays refused, as in 1.0.3.
 */
const TIMESTAMP_2 = String.raw`^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$`;

/** SQL that is true when the text `x` (a String) does not have the format. */
export function formatBroken(format: Format, x: string): string {
  if (format === 'timestamp2') {
    return `(NOT match(${x}, '${sqlStringBody(TIMESTAMP_2)}') OR endsWith(${x}, '-00:00') OR parseDateTime64BestEffortOrNull(upper(${x}), 3, 'UTC') IS NULL)`;
  }
  if (format === 'timestamp') {
    return `(NOT match(${x}, '${sqlStringBody(TIMESTAMP)}') OR match(${x}, '-00(:?00)?$') OR parseDateTime64BestEffortOrNull(${x}, 3, 'UTC') IS NULL)`;
  }
  if (format === 'duration')
    return `(NOT match(${x}, '${sqlStringBody(PATTERNS.duration)}') OR ${x} = 'P' OR endsWith(${x}, 'T'))`;
  return `NOT match(${x}, '${sqlStringBody(PATTERNS[format])}')`;
}
