import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { policyStatements } from '../helpers/cloudformation-check.js';
import { parseCloudFormationYaml } from '../helpers/cloudformation-yaml.js';

/**
 * Least privilege, beyond "no wildcards" (cloudformation.test.ts): the role can do exactly the listed
 * actions — in particular nothing that writes or deletes in S3 — and every service allowed to invoke
 * the function is pinned to its source, so no other bucket or rule can trigger it (confused deputy).
 */
const template = parseCloudFormationYaml(
  fs.readFileSync(path.resolve(import.meta.dirname, '../../deploy/cloudformation.yaml'), 'utf8'),
);
// biome-ignore lint/suspicious/noExplicitAny: the template is untyped JSON; tests read into it by path.
type Any = any;
const resources = template.Resources as Any;

describe('least privilege: what the processor may do, and who may invoke it', () => {
  it('the role allows exactly the actions the code needs, none that writes to or deletes from S3', () => {
    const actions = policyStatements(template)
      .filter((s) => s.where.startsWith('ProcessorRole.Policies'))
      .flatMap((s) => [(s.statement as Any).Action].flat() as string[]);
    expect([...new Set(actions)].sort()).toEqual(
      [
        'kms:Decrypt',
        'lambda:InvokeFunction',
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        's3:GetObject',
        's3:ListBucket',
        'secretsmanager:GetSecretValue',
        'sqs:SendMessage',
        'sqs:ReceiveMessage',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:ChangeMessageVisibility',
        'sts:AssumeRole',
      ].sort(),
    );
    expect(actions.some((a) => /^s3:(Put|Delete|Restore|Replicate)/.test(a))).toBe(false);
    const trust = resources.ProcessorRole.Properties.AssumeRolePolicyDocument.Statement;
    expect(trust).toEqual([
      { Effect: 'Allow', Principal: { Service: 'lambda.amazonaws.com' }, Action: 'sts:AssumeRole' },
    ]);
  });

  it('ClickHouse reads with a role of its own: section/ of the bucket, nothing else; the function may only assume it', () => {
    const role = resources.ClickHouseReadRole.Properties;
    const actions = (role.Policies as Any[]).flatMap((p) =>
      (p.PolicyDocument.Statement as Any[]).flatMap((st) => {
        const s = st['Fn::If'] ? st['Fn::If'][1] : st;
        return [s.Action].flat();
      }),
    );
    expect([...new Set(actions)].sort()).toEqual(['kms:Decrypt', 's3:GetObject', 's3:ListBucket']);
    const trust = role.AssumeRolePolicyDocument.Statement;
    expect(trust[0].Principal).toEqual({ AWS: { 'Fn::GetAtt': ['ProcessorRole', 'Arn'] } });
    expect(trust[1]['Fn::If'][0]).toBe('TrustsClickHouseCloud');
    const assume = (resources.ProcessorRole.Properties.Policies[0].PolicyDocument.Statement as Any[]).find(
      (st) => st.Action === 'sts:AssumeRole',
    );
    expect(assume.Resource['Fn::Sub']).toContain(`:role/${role.RoleName['Fn::Sub']}`);
    const fn = resources.ProcessorFunction.Properties;
    expect(fn.Environment.Variables.CLICKHOUSE_S3_ROLE_ARN).toEqual({
      'Fn::GetAtt': ['ClickHouseReadRole', 'Arn'],
    });
  });

  it('every invoke permission names its source: the bucket (and account) or the rule', () => {
    const permissions = Object.values(resources).filter(
      (r: Any) => r.Type === 'AWS::Lambda::Permission',
    ) as Any[];
    expect(permissions.length).toBeGreaterThanOrEqual(2);
    for (const p of permissions) {
      expect(p.Properties.SourceArn).toBeDefined();
      if (p.Properties.Principal === 's3.amazonaws.com') expect(p.Properties.SourceAccount).toBeDefined();
    }
  });

  it('a bucket the stack creates is private, encrypted, and refuses plain HTTP', () => {
    const bucket = resources.XapiBucket.Properties;
    expect(bucket.PublicAccessBlockConfiguration).toEqual({
      BlockPublicAcls: true,
      BlockPublicPolicy: true,
      IgnorePublicAcls: true,
      RestrictPublicBuckets: true,
    });
    expect(bucket.BucketEncryption).toBeDefined();
    const [deny] = resources.XapiBucketPolicy.Properties.PolicyDocument.Statement;
    expect(deny).toMatchObject({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } });
  });
});
