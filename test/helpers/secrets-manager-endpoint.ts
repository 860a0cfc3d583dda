import http from 'node:http';

/**
 * A Secrets Manager endpoint for GetSecretValue (the AWS JSON 1.1 protocol the SDK speaks:
 * `X-Amz-Target: secretsmanager.GetSecretValue`), so that code reading CLICKHOUSE_PASSWORD_SECRET_ARN runs
 * unchanged with AWS_ENDPOINT_URL_SECRETS_MANAGER pointed here. `set` rotates the secret.
 */
export interface SecretsEndpoint {
  url: string;
  reads: number;
  set(arn: string, value: string): void;
  close(): Promise<void>;
}

export async function startSecretsEndpoint(): Promise<SecretsEndpoint> {
  const secrets = new Map<string, string>();
  const endpoint = { reads: 0 } as SecretsEndpoint;
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { SecretId?: string };
    const value = body.SecretId ? secrets.get(body.SecretId) : undefined;
    res.setHeader('Content-Type', 'application/x-amz-json-1.1');
    if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue' || value === undefined) {
      res.statusCode = 400;
      res.end(JSON.stringify({ __type: 'ResourceNotFoundException', message: 'no such secret' }));
      return;
    }
    endpoint.reads += 1;
    res.end(JSON.stringify({ ARN: body.SecretId, Name: 'test', SecretString: value, VersionId: 'v' }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return Object.assign(endpoint, {
    url: `http://127.0.0.1:${port}`,
    set: (arn: string, value: string) => {
      secrets.set(arn, value);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
