import { fromNodeProviderChain, fromTemporaryCredentials } from '@aws-sdk/credential-providers';
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
  /** Arguments after the format: s3(url, format, extra_credentials(role_arn = …)) (ClickHouse Cloud). */
  trailingSql?: string;
  params: Record<string, string>;
  /** A named collection replaces the URL argument form: s3(collection, url = …, format = …). */
  namedCollection?: string;
}

export async function resolveS3Access(config: S3Config): Promise<S3Access> {
  if (config.namedCollection) return { argsSql: '', params: {}, namedCollection: config.namedCollection };
  if (config.clickhouseAuth === 'nosign') return { argsSql: ', NOSIGN', params: {} };
  if (config.clickhouseAuth === 'server') return { argsSql: '', params: {} };
  // ClickHouse Cloud assumes the role itself, per query. The ARN was checked by the configuration (an IAM
  // role ARN: no quote can be in it), and is no secret.
  if (config.clickhouseAuth === 'role')
    return { argsSql: '', trailingSql: `, extra_credentials(role_arn = '${config.roleArn}')`, params: {} };

  // Credentials passed on to ClickHouse per query: a role's for ClickHouse's reads alone when one is
  // configured (assumed here, short-lived), else the processor's own (Lambda role, env, profile).
  let creds: Awaited<ReturnType<ReturnType<typeof fromNodeProviderChain>>>;
  try {
    creds = config.roleArn ? await readRoleCredentials(config.roleArn) : await fromNodeProviderChain()();
  } catch (cause) {
    throw new ConfigError(
      'No AWS credentials found to pass to ClickHouse for s3() reads. Set AWS credentials, or ' +
        'CLICKHOUSE_S3_AUTH=server (ClickHouse uses its own), nosign (public bucket), role (ClickHouse Cloud assumes ' +
        'CLICKHOUSE_S3_ROLE_ARN), or CLICKHOUSE_S3_NAMED_COLLECTION.',
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

type RoleCredentials = Awaited<ReturnType<ReturnType<typeof fromTemporaryCredentials>>>;
let assumed: { arn: string; creds: RoleCredentials } | undefined;

/** The read role's credentials (an hour), assumed again when less than 20 minutes are left: a load fits. */
async function readRoleCredentials(arn: string): Promise<RoleCredentials> {
  const left = assumed?.creds.expiration ? assumed.creds.expiration.getTime() - Date.now() : 0;
  if (assumed?.arn === arn && left > 20 * 60_000) return assumed.creds;
  const creds = await fromTemporaryCredentials({
    params: { RoleArn: arn, RoleSessionName: 'xapi-etl-clickhouse-read', DurationSeconds: 3600 },
  })();
  assumed = { arn, creds };
  return creds;
}
