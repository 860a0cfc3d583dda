import type { Source } from '../types.js';

/**
 * The table function reading a benchmark source as lines, for the hand-written comparison queries
 * (one object, or for the many-files raw copy a whole bucket).
 * Values are query parameters; the S3 credentials are s3rver's fixed local ones.
 */
export function linesSource(source: Source): { sql: string; params: Record<string, string> } {
  if (source.kind === 'file')
    return { sql: "file({path:String}, 'LineAsString')", params: { path: source.path } };
  const endpoint = process.env.AWS_ENDPOINT_URL_S3;
  if (!endpoint) throw new Error('AWS_ENDPOINT_URL_S3 is not set');
  // Many files: every bundle of the bucket by one glob (ClickHouse lists the bucket itself).
  const path = source.kind === 's3' ? source.key : 'section/**';
  return {
    sql: "s3({url:String}, {key_id:String}, {secret:String}, 'LineAsString')",
    params: {
      url: `${endpoint}/${source.bucket}/${path}`,
      key_id: process.env.AWS_ACCESS_KEY_ID ?? '',
      secret: process.env.AWS_SECRET_ACCESS_KEY ?? '',
    },
  };
}
