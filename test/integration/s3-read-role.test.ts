import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { ingest } from '../../src/load/ingest.js';
import { resolveS3Access } from '../../src/load/s3-access.js';
import { buildSourceSql } from '../../src/load/source-sql.js';
import { headObject } from '../../src/plan/s3-objects.js';
import { makeBundle } from '../helpers/bundles.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { type StsEndpoint, startStsEndpoint } from '../helpers/sts-endpoint.js';

/**
 * Least privilege for ClickHouse's reads (issue #21): with CLICKHOUSE_S3_ROLE_ARN, ClickHouse never gets the
 * processor's own session. In `credentials` mode the processor assumes that role (a real STS AssumeRole
 * request, answered locally) and passes the role's short-lived credentials; in `role` mode ClickHouse Cloud
 * assumes it per query (`extra_credentials`), and the SQL carries the ARN only.
 */
const ROLE = 'arn:aws:iam::123456789012:role/xapi-etl-clickhouse-read-dev-us-east-1';

describe('a role for ClickHouse reads alone', () => {
  let h: Harness;
  let sts: StsEndpoint;

  beforeAll(async () => {
    h = await startHarness();
    sts = await startStsEndpoint({
      accessKeyId: 'S3RVER',
      secretAccessKey: 'S3RVER',
      sessionToken: 'read-role-token-7f3a',
    });
    vi.stubEnv('AWS_ENDPOINT_URL_STS', sts.url);
  }, 60_000);
  afterAll(async () => {
    vi.unstubAllEnvs();
    await sts?.close();
    await h?.close();
  });

  it('credentials mode: the processor assumes the read role and ClickHouse reads with its credentials', async () => {
    const config = loadConfig({ ...process.env, ...h.env, CLICKHOUSE_S3_ROLE_ARN: ROLE });
    const access = await resolveS3Access(config.s3);
    expect(sts.requests).toHaveLength(1);
    expect(sts.requests[0]).toMatchObject({
      Action: 'AssumeRole',
      RoleArn: ROLE,
      RoleSessionName: 'xapi-etl-clickhouse-read',
    });
    expect(access.params).toMatchObject({ s3_key_id: 'S3RVER', s3_session_token: 'read-role-token-7f3a' });
    // Kept for the next loads while it lasts: no STS call per load.
    await resolveS3Access(config.s3);
    expect(sts.requests).toHaveLength(1);

    const key = 'section/role1/quiz/2024-01-01T00-00-00.000Z_a.jsonl';
    await h.s3.put(h.bucket, key, makeBundle(5));
    const loaded = await ingest({ ...h.rt, config }, [await headObject(h.rt.s3, h.bucket, key)], {
      mode: 'cli',
    });
    expect(loaded.totals).toMatchObject({ files_processed: 1, events_processed: 5 });
  });

  it('role mode: the SQL names the role for ClickHouse to assume, and carries no credential', async () => {
    const config = loadConfig({
      ...process.env,
      ...h.env,
      CLICKHOUSE_S3_AUTH: 'role',
      CLICKHOUSE_S3_ROLE_ARN: ROLE,
    });
    const access = await resolveS3Access(config.s3);
    expect(access.params).toEqual({});
    const src = buildSourceSql(
      [{ kind: 's3', bucket: 'xapi', key: 'section/1/video/a.jsonl', etag: 'e', size: 1 }],
      {
        s3: config.s3,
        access,
        cluster: 'c1',
      },
    );
    expect(src.sql).toContain(
      `FROM s3Cluster({cluster_name:String}, {src_0:String}, 'LineAsString', extra_credentials(role_arn = '${ROLE}'))`,
    );
  });

  it('refuses a role that is not an IAM role ARN, role mode without one, and a role beside nosign or server', () => {
    const env = { ...process.env, ...h.env };
    expect(() =>
      loadConfig({ ...env, CLICKHOUSE_S3_ROLE_ARN: "arn:aws:iam::123456789012:role/x') --" }),
    ).toThrow(/CLICKHOUSE_S3_ROLE_ARN: must be an IAM role ARN/);
    expect(() => loadConfig({ ...env, CLICKHOUSE_S3_AUTH: 'role' })).toThrow(
      /CLICKHOUSE_S3_AUTH=role needs the role/,
    );
    expect(() => loadConfig({ ...env, CLICKHOUSE_S3_AUTH: 'server', CLICKHOUSE_S3_ROLE_ARN: ROLE })).toThrow(
      /used with CLICKHOUSE_S3_AUTH=role or credentials only/,
    );
  });
});
