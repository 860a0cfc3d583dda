import http from 'node:http';

/**
 * An STS endpoint for AssumeRole (the AWS query protocol the SDK speaks: a form-encoded POST, an XML answer), so
 * that code assuming a role runs unchanged with AWS_ENDPOINT_URL_STS pointed here. It hands out the credentials
 * it was given (s3rver's, so that the assumed role can read s3rver) with a session token of its own, and keeps
 * the requests.
 */
export interface StsEndpoint {
  url: string;
  requests: Record<string, string>[];
  close(): Promise<void>;
}

export async function startStsEndpoint(creds: {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
}) {
  const requests: Record<string, string>[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString('utf8')));
    requests.push(form);
    res.setHeader('Content-Type', 'text/xml');
    if (form.Action !== 'AssumeRole') {
      res.statusCode = 400;
      res.end('<ErrorResponse><Error><Code>InvalidAction</Code></Error></ErrorResponse>');
      return;
    }
    const expiration = new Date(Date.now() + Number(form.DurationSeconds ?? 3600) * 1000).toISOString();
    res.end(`<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>
<Credentials><AccessKeyId>${creds.accessKeyId}</AccessKeyId><SecretAccessKey>${creds.secretAccessKey}</SecretAccessKey>
<SessionToken>${creds.sessionToken}</SessionToken><Expiration>${expiration}</Expiration></Credentials>
<AssumedRoleUser><AssumedRoleId>AROA:${form.RoleSessionName}</AssumedRoleId><Arn>${form.RoleArn}/${form.RoleSessionName}</Arn></AssumedRoleUser>
</AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  } satisfies StsEndpoint;
}
