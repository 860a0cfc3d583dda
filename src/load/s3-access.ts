import { fromNodeProviderChain } from '@aws-sdk/credential-providers';
import type { S3Config } from '../config/env.js';
import { ConfigError, registerSecret } from '../errors.js';

/**
 * How ClickHouse authenticates its own s3() reads, as SQL arguments plus query parameters. Secrets only
 * ever travel as query parameters, never in the SQL we build. ClickHouse fills them into the query text
 * it keeps (system.processes, query_log) but masks s3()'s secret arguments there as '[HIDDEN]' (the
 * secret key and the session token; the access key id stays visible): test/reliability/security.test.ts.
 */
export interface S3Access {
  /** Arguments between the URL and the format in s3(url, …, format). */
  argsSql: string;
  params: Record<string, string>;
  /** A named collection replaces the URL argument form: s3(collection, url = …, format = …). */
  namedCollection?: string;
}

export async function resolveS3Access(config: S3Config): Promise<S3Access> {
  if (config.namedCollection) return { argsSql: '', params: {}, namedCollection: config.namedCollection };
  if (config.clickhouseAuth === 'nosign') return { argsSql: ', NOSIGN', params: {} };
  if (config.clickhouseAuth === 'server') return { argsSql: '', params: {} };

  // The processor's own credentials (Lambda role, env, profile), passed on to ClickHouse per query.
  let creds: Awaited<ReturnType<ReturnType<typeof fromNodeProviderChain>>>;
  try {
    creds = await fromNodeProviderChain()();
  } catch (cause) {
    throw new ConfigError(
      'No AWS credentials found to pass to ClickHouse for s3() reads. Set AWS credentials, or ' +
        'CLICKHOUSE_S3_AUTH=server (ClickHouse uses its own), nosign (public bucket), or CLICKHOUSE_S3_NAMED_COLLECTION.',
      { cause },
    );
  }
  registerSecret(creds.secretAccessKey);
  registerSecret(creds.sessionToken);
  registerSecret(creds.accessKeyId);
  const params: Record<string, string> = {
    s3_key_id: creds.accessKeyId,
    s3_secret: creds.secretAccessKey,
  };
  if (creds.sessionToken) {
    params.s3_session_token = creds.sessionToken;
    return { argsSql: ', {s3_key_id:String}, {s3_secret:String}, {s3_session_token:String}', params };
  }
  return { argsSql: ', {s3_key_id:String}, {s3_secret:String}', params };
}
