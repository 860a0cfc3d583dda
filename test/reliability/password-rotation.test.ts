import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import type { HandlerResult } from '../../src/lambda/create-handler.js';
import { localContext } from '../../src/lambda/local-context.js';
import { createRuntime } from '../../src/runtime.js';
import { type LocalS3, startLocalS3 } from '../../src/tools/local-s3/local-s3.js';
import { migrate } from '../../src/upgrade/migrate.js';
import { makeBundle } from '../helpers/bundles.js';
import { type CapturedOutput, captureOutput } from '../helpers/capture-output.js';
import { type EngineHttpFront, startEngineHttpFront } from '../helpers/engine-http-front.js';
import { type SecretsEndpoint, startSecretsEndpoint } from '../helpers/secrets-manager-endpoint.js';

/**
 * A rotated ClickHouse password reaches a warm Lambda container (issue #21): the deployed entry point
 * (src/lambda/handler.ts, its container-wide runtime and cached secret) loads a file; the password is rotated
 * in ClickHouse (`ALTER USER … IDENTIFIED BY`) and in Secrets Manager; the next invocation of the same
 * container is refused once, reads the secret again, rebuilds its client and loads.
 */
const ARN = 'arn:aws:secretsmanager:us-east-1:123456789012:secret:xapi-etl/dev/clickhouse-password-AbCdEf';

describe('a rotated password in a warm container', () => {
  let front: EngineHttpFront;
  let s3: LocalS3;
  let secrets: SecretsEndpoint;
  let out: CapturedOutput;

  beforeAll(async () => {
    [front, s3, secrets] = await Promise.all([
      startEngineHttpFront(),
      startLocalS3(),
      startSecretsEndpoint(),
    ]);
    await s3.createBucket('xapi');
    secrets.set(ARN, JSON.stringify({ username: 'default', password: front.password }));
    const env = {
      CLICKHOUSE_HOST: front.url,
      CLICKHOUSE_USERNAME: front.user,
      CLICKHOUSE_DATABASE: 'rotation',
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      S3_XAPI_BUCKET_NAME: 'xapi',
    };
    const admin = await createRuntime(
      loadConfig({ ...process.env, ...env, CLICKHOUSE_PASSWORD: front.password }),
    );
    await migrate(admin.engine.client);
    await admin.close();
    for (const [k, v] of Object.entries({
      ...env,
      CLICKHOUSE_PASSWORD_SECRET_ARN: ARN,
      AWS_ENDPOINT_URL_SECRETS_MANAGER: secrets.url,
      AWS_LAMBDA_FUNCTION_NAME: 'xapi-etl-processor-dev',
    }))
      vi.stubEnv(k, v);
    out = captureOutput();
  }, 120_000);
  afterAll(async () => {
    out?.restore();
    vi.unstubAllEnvs();
    await front?.stop();
    await s3?.close();
    await secrets?.close();
  });

  it('is refused once, read again, and the load goes on', async () => {
    vi.resetModules();
    const { handler } = await import('../../src/lambda/handler.js');
    const load = async (key: string) => {
      await s3.put('xapi', key, makeBundle(3));
      return (await handler({ bucket: 'xapi', key }, localContext())) as HandlerResult;
    };
    expect(await load('section/r1/quiz/2024-01-01T00-00-00.000Z_a.jsonl')).toMatchObject({
      success: true,
      events_processed: 3,
    });
    expect(secrets.reads).toBe(1);

    // The rotation: ClickHouse first, then the secret (as a rotation function does it).
    const rotated = 'rotated-pw-91b2';
    const admin = await createRuntime(
      loadConfig({
        ...process.env,
        CLICKHOUSE_PASSWORD_SECRET_ARN: '',
        CLICKHOUSE_PASSWORD: front.password,
        AWS_LAMBDA_FUNCTION_NAME: '',
      }),
    );
    await admin.engine.client.command({ query: `ALTER USER default IDENTIFIED BY '${rotated}'` });
    await admin.close().catch(() => undefined);
    secrets.set(ARN, JSON.stringify({ username: 'default', password: rotated }));

    out.clear();
    expect(await load('section/r1/quiz/2024-01-02T00-00-00.000Z_b.jsonl')).toMatchObject({
      success: true,
      events_processed: 3,
    });
    expect(secrets.reads).toBe(2);
    expect(
      out.logs().some((l) => /refused the password: reading the secret again/.test(String(l.message))),
    ).toBe(true);
    // Neither password is in any line the container wrote.
    const text = JSON.stringify(out.logs());
    expect(text).not.toContain(rotated);
    expect(text).not.toContain(front.password);
  }, 120_000);
});
