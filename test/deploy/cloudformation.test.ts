// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${…} here is CloudFormation's Fn::Sub syntax, not a JS template.
import fs from 'node:fs';
import path from 'node:path';
import type { SpecDatabase } from '@aws-cdk/service-spec-types';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_RUNTIME } from '../../scripts/build-lambda.mjs';
import { ENVIRONMENT_VARIABLES, loadConfig } from '../../src/config/env.js';
import { BUNDLE_EXTENSIONS } from '../../src/plan/key-layout.js';
import {
  dependencyCycles,
  iamProblems,
  isIntrinsic,
  loadSpec,
  policyStatements,
  referenceProblems,
  specProblems,
  type Template,
  unusedParameters,
} from '../helpers/cloudformation-check.js';
import { type Cfn, parseCloudFormationYaml } from '../helpers/cloudformation-yaml.js';

const TEMPLATE_PATH = path.resolve(import.meta.dirname, '../../deploy/cloudformation.yaml');
const template = parseCloudFormationYaml(fs.readFileSync(TEMPLATE_PATH, 'utf8'));

// biome-ignore lint/suspicious/noExplicitAny: the template is untyped JSON; tests read into it by path.
type Any = any;
const resources = template.Resources as Any;
const parameters = template.Parameters as Any;
const fn = resources.ProcessorFunction.Properties;

/** Variables the Node.js runtime itself reads (not the application): allowed beside ENVIRONMENT_VARIABLES. */
const RUNTIME_VARIABLES = ['NODE_OPTIONS'];
/** The original brief's variables (the password arrives through Secrets Manager, see below). */
const BRIEF_VARIABLES = [
  'CLICKHOUSE_HOST',
  'CLICKHOUSE_PORT',
  'CLICKHOUSE_DATABASE',
  'CLICKHOUSE_USERNAME',
  'S3_XAPI_BUCKET_NAME',
  'ENVIRONMENT',
];

const mutate = (change: (t: Any) => void): Template => {
  const copy = structuredClone(template) as Any;
  change(copy);
  return copy;
};

let spec: SpecDatabase;
beforeAll(async () => {
  spec = await loadSpec();
});

describe('deploy/cloudformation.yaml against the AWS resource specification', () => {
  it('uses only known resource types, known property names, and sets every required property', () => {
    expect(Object.keys(resources).length).toBeGreaterThan(10);
    expect(specProblems(template, spec)).toEqual([]);
  });

  it('resolves every !Ref, !GetAtt, ${…}, condition and DependsOn, and reads every parameter', () => {
    expect(referenceProblems(template, spec)).toEqual([]);
    expect(unusedParameters(template)).toEqual([]);
  });

  it('has no circular dependency between resources', () => {
    expect(dependencyCycles(template)).toEqual([]);
  });

  it('the checks catch what they are meant to catch', () => {
    const broken = mutate((t) => {
      t.Resources.ProcessorFunction.Properties.MemorySizee = 512;
      delete t.Resources.ProcessorRole.Properties.AssumeRolePolicyDocument;
      t.Resources.DeadLetterQueue.Type = 'AWS::SQS::Queueue';
      t.Resources.ProcessorFunction.Properties.LoggingConfig.LogFormat = { Nested: 'x' };
      t.Resources.ProcessorFunction.Properties.Timeout = 'fifteen minutes';
    });
    const problems = specProblems(broken, spec).join('\n');
    expect(problems).toContain('unknown property MemorySizee');
    expect(problems).toContain('required property AssumeRolePolicyDocument is missing');
    expect(problems).toContain('unknown resource type AWS::SQS::Queueue');
    expect(problems).toContain('LoggingConfig.LogFormat: expected a string');
    expect(problems).toContain('Timeout: expected a number');

    const dangling = mutate((t) => {
      t.Resources.ProcessorFunction.Properties.MemorySize = { Ref: 'MemorySizeTypo' };
      t.Resources.ProcessorFunction.Properties.Description = { 'Fn::Sub': '${Nope} ${DeadLetterQueue.Nope}' };
      t.Resources.ProcessorFunction.Properties.Role = { 'Fn::GetAtt': ['ProcessorRole', 'Arnn'] };
      t.Resources.AlarmEmailSubscription.Condition = 'NoSuchCondition';
    });
    const refs = referenceProblems(dangling, spec).join('\n');
    for (const text of [
      'MemorySizeTypo',
      'unknown Nope',
      'no attribute Nope',
      'no attribute Arnn',
      'NoSuchCondition',
    ])
      expect(refs).toContain(text);

    const circular = mutate((t) => {
      t.Resources.ProcessorRole.Properties.Description = { 'Fn::GetAtt': ['ProcessorFunction', 'Arn'] };
    });
    expect(dependencyCycles(circular).join('\n')).toContain('ProcessorRole');

    const wide = mutate((t) => {
      const statements = t.Resources.ProcessorRole.Properties.Policies[0].PolicyDocument.Statement;
      statements.push({ Effect: 'Allow', Action: 's3:Get*', Resource: '*' });
    });
    expect(iamProblems(wide)).toEqual(
      expect.arrayContaining([expect.stringContaining('wildcard action s3:Get*')]),
    );
    expect(iamProblems(wide).join('\n')).toContain('Resource "*"');

    expect(() => parseCloudFormationYaml('a: !Reff X\n')).toThrow(/Unresolved tag|!Reff/);
  });
});

describe('least-privilege role', () => {
  const statements = () =>
    policyStatements(template)
      .filter((s) => s.where.startsWith('ProcessorRole.Policies'))
      .map((s) => s.statement as Any);
  const byAction = (action: string) => statements().filter((s) => [s.Action].flat().includes(action));

  it('grants no wildcard action and no "*" resource', () => {
    expect(policyStatements(template).length).toBeGreaterThan(5);
    expect(iamProblems(template)).toEqual([]);
  });

  it('reads only section/* of the xAPI bucket, and lists it only under that prefix', () => {
    const [read] = byAction('s3:GetObject');
    expect(read.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${XapiBucketName}/section/*' });
    const [list] = byAction('s3:ListBucket');
    expect(list.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${XapiBucketName}' });
    expect(list.Condition.StringLike['s3:prefix']).toEqual(['section/', 'section/*']);
  });

  it('writes only its own log group, reads only its secret, sends only to its DLQ, invokes only itself', () => {
    const [logs] = byAction('logs:PutLogEvents');
    expect(logs.Resource['Fn::Sub']).toContain(':log-group:/aws/lambda/xapi-etl-processor-${Environment}:*');
    expect(byAction('logs:CreateLogGroup')).toEqual([]);
    const [secret] = byAction('secretsmanager:GetSecretValue');
    expect(secret.Resource).toEqual(fn.Environment.Variables.CLICKHOUSE_PASSWORD_SECRET_ARN);
    const [dlq] = byAction('sqs:SendMessage');
    expect(dlq.Resource).toEqual({ 'Fn::GetAtt': ['DeadLetterQueue', 'Arn'] });
    const [invoke] = byAction('lambda:InvokeFunction');
    const invokable = invoke.Resource.map((r: Any) => r['Fn::Sub']);
    expect(invokable).toHaveLength(2);
    expect(invokable[0]).toMatch(/:function:xapi-etl-processor-\$\{Environment\}$/);
    expect(invokable[1]).toBe(`${invokable[0]}:*`); // its own versions and aliases only
    expect(fn.FunctionName).toEqual({ 'Fn::Sub': 'xapi-etl-processor-${Environment}' });
  });
});

describe('the function', () => {
  it('runs the bundle on the newest Node.js runtime, on arm64, logging JSON to its 30-day log group', () => {
    expect(fn.Runtime).toBe(LAMBDA_RUNTIME);
    expect(fn.Architectures).toEqual(['arm64']);
    expect(fn.Handler).toBe('index.handler');
    expect(fn.Code).toEqual({ S3Bucket: { Ref: 'CodeS3Bucket' }, S3Key: { Ref: 'CodeS3Key' } });
    expect(fn.LoggingConfig.LogFormat).toBe('JSON');
    expect(fn.LoggingConfig.LogGroup).toEqual({ Ref: 'ProcessorLogGroup' });
    const logGroup = resources.ProcessorLogGroup;
    expect(logGroup.Type).toBe('AWS::Logs::LogGroup');
    expect(logGroup.Properties.RetentionInDays).toBe(30);
    expect(logGroup.Properties.LogGroupName).toEqual({
      'Fn::Sub': '/aws/lambda/xapi-etl-processor-${Environment}',
    });
    expect(fn.MemorySize).toEqual({ Ref: 'MemorySize' });
    expect(fn.Timeout).toEqual({ Ref: 'Timeout' });
    expect(fn.ReservedConcurrentExecutions['Fn::If'][0]).toBe('HasReservedConcurrency');
  });

  it('sets only environment variables the code reads, including the brief’s, never a plain password', () => {
    const names = Object.keys(fn.Environment.Variables);
    const unknown = names.filter((n) => !ENVIRONMENT_VARIABLES.includes(n) && !RUNTIME_VARIABLES.includes(n));
    expect(unknown).toEqual([]);
    expect(names).toEqual(expect.arrayContaining([...BRIEF_VARIABLES, 'CLICKHOUSE_PASSWORD_SECRET_ARN']));
    expect(names).not.toContain('CLICKHOUSE_PASSWORD');
    expect(parameters.ClickHousePassword.NoEcho).toBe(true);
    expect(resources.ClickHousePasswordSecret.Properties.SecretString).toEqual({ Ref: 'ClickHousePassword' });
  });

  it('its environment, with the parameters’ defaults, is a configuration the code accepts', () => {
    const sampleArn =
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:xapi-etl/dev/clickhouse-password-AbCdEf';
    const resolve = (value: Cfn): string => {
      if (!isIntrinsic(value)) return String(value);
      const ref = value.Ref;
      if (typeof ref === 'string' && parameters[ref])
        return String(parameters[ref].Default ?? 'ch.example.com');
      const sub = (value as { 'Fn::Sub'?: unknown })['Fn::Sub'];
      if (typeof sub === 'string' && !sub.includes('AWS::'))
        return sub.replace(/\$\{(\w+)\}/g, (_m, name: string) => String(parameters[name]?.Default ?? ''));
      if (JSON.stringify(value).includes('ClickHouseReadRole'))
        return 'arn:aws:iam::123456789012:role/xapi-etl-clickhouse-read-dev-eu-west-1';
      return sampleArn;
    };
    const env = Object.fromEntries(
      Object.entries(fn.Environment.Variables as Record<string, Cfn>).map(([k, v]) => [k, resolve(v)]),
    );
    const config = loadConfig({ ...env, AWS_LAMBDA_FUNCTION_NAME: 'xapi-etl-processor-dev' });
    expect(config.engine).toMatchObject({
      kind: 'server',
      url: 'https://ch.example.com:8443',
      passwordSecretArn: sampleArn,
    });
    expect(config.environment).toBe('dev');
    expect(config.database).toBe('xapi_analytics');
  });

  it('retries asynchronous events, then parks them in an encrypted dead-letter queue', () => {
    const invoke = resources.ProcessorEventInvokeConfig.Properties;
    expect(invoke.FunctionName).toEqual({ Ref: 'ProcessorFunction' });
    // On the alias every trigger invokes (deploy.sh moves it to each published version).
    expect(invoke.Qualifier).toBe(resources.ProcessorAlias.Properties.Name);
    expect(resources.ProcessorEventInvokeConfig.DependsOn).toBe('ProcessorAlias');
    expect(resources.ProcessorAlias.Properties).toMatchObject({
      Name: 'live',
      FunctionVersion: { 'Fn::GetAtt': ['ProcessorVersion', 'Version'] },
    });
    for (const p of Object.values(resources).filter(
      (r: Any) => r.Type === 'AWS::Lambda::Permission',
    ) as Any[])
      expect(p.Properties.FunctionName).toEqual({ Ref: 'ProcessorAlias' });
    expect(invoke.MaximumRetryAttempts).toBeGreaterThanOrEqual(1);
    expect(invoke.MaximumRetryAttempts).toBeLessThanOrEqual(2);
    expect(invoke.MaximumEventAgeInSeconds).toBeGreaterThanOrEqual(60);
    expect(invoke.DestinationConfig.OnFailure.Destination).toEqual({
      'Fn::GetAtt': ['DeadLetterQueue', 'Arn'],
    });
    const dlq = resources.DeadLetterQueue.Properties;
    expect(dlq.SqsManagedSseEnabled === true || typeof dlq.KmsMasterKeyId !== 'undefined').toBe(true);
  });
});

describe('triggers, alarms, parameters and outputs', () => {
  it('an owned bucket notifies the queue (or, direct, the function) for section/ and every suffix the code loads', () => {
    const bucket = resources.XapiBucket;
    expect(bucket.Condition).toBe('OwnsXapiBucket');
    expect(bucket.DependsOn).toEqual(['S3InvokePermission', 'IngestQueuePolicy']);
    const [condition, queued, direct] = bucket.Properties.NotificationConfiguration['Fn::If'];
    expect(condition).toBe('UseQueue');
    const filters = (configs: Any[], key: string, target: Any) =>
      configs.map((c: Any) => {
        expect(c[key]).toEqual(target);
        expect(c.Event).toBe('s3:ObjectCreated:*');
        return Object.fromEntries(c.Filter.S3Key.Rules.map((r: Any) => [r.Name, r.Value]));
      });
    const viaQueue = filters(queued.QueueConfigurations, 'Queue', { 'Fn::GetAtt': ['IngestQueue', 'Arn'] });
    const viaFunction = filters(direct.LambdaConfigurations, 'Function', { Ref: 'ProcessorAlias' });
    expect(viaFunction).toEqual(viaQueue);
    // Every extension the code loads ends with one suffix, and no two suffixes overlap (S3 refuses that).
    const suffixes = viaQueue.map((f) => f.suffix as string);
    expect(viaQueue.every((f) => f.prefix === 'section/')).toBe(true);
    for (const ext of BUNDLE_EXTENSIONS)
      expect(
        suffixes.filter((x) => ext.endsWith(x)),
        ext,
      ).toHaveLength(1);
    for (const a of suffixes)
      for (const b of suffixes) if (a !== b) expect(a.endsWith(b), `${a} / ${b}`).toBe(false);
    const permission = resources.S3InvokePermission;
    expect(permission.Properties.Principal).toBe('s3.amazonaws.com');
    expect(permission.Properties.SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
  });

  it('a bucket owned elsewhere triggers the queue (or the function) through an EventBridge rule', () => {
    const rule = resources.ObjectCreatedRule;
    expect(rule.Condition).toBe('UseEventBridge');
    expect(rule.Properties.EventPattern.source).toEqual(['aws.s3']);
    expect(rule.Properties.EventPattern['detail-type']).toEqual(['Object Created']);
    expect(rule.Properties.EventPattern.detail.object.key).toEqual(
      BUNDLE_EXTENSIONS.map((ext) => ({ wildcard: `section/*${ext}` })),
    );
    expect(rule.Properties.Targets[0].Arn).toEqual({
      'Fn::If': ['UseQueue', { 'Fn::GetAtt': ['IngestQueue', 'Arn'] }, { Ref: 'ProcessorAlias' }],
    });
    const permission = resources.EventBridgeInvokePermission;
    expect(permission.Condition).toBe('EventBridgeToFunction');
    expect(permission.Properties.SourceArn).toEqual({ 'Fn::GetAtt': ['ObjectCreatedRule', 'Arn'] });
    // The DLQ policy and the queue policy name the rule by its ARN: the name must be the rule's.
    const policySource =
      resources.DeadLetterQueuePolicy.Properties.PolicyDocument.Statement[0].Condition.ArnEquals;
    expect(policySource['aws:SourceArn']['Fn::Sub']).toContain(`rule/${rule.Properties.Name['Fn::Sub']}`);
    const queueSource =
      resources.IngestQueuePolicy.Properties.PolicyDocument.Statement[1].Condition.ArnEquals;
    expect(queueSource['aws:SourceArn']['Fn::Sub']).toContain(`rule/${rule.Properties.Name['Fn::Sub']}`);
  });

  it('the queue is the default: batches with partial failures, bounded concurrency, a redrivable DLQ', () => {
    expect(parameters.TriggerMode).toMatchObject({ Default: 'queue', AllowedValues: ['queue', 'direct'] });
    const mapping = resources.IngestQueueMapping;
    expect(mapping.Condition).toBe('UseQueue');
    expect(mapping.Properties).toMatchObject({
      EventSourceArn: { 'Fn::GetAtt': ['IngestQueue', 'Arn'] },
      FunctionName: { Ref: 'ProcessorAlias' },
      BatchSize: { Ref: 'QueueBatchSize' },
      MaximumBatchingWindowInSeconds: { Ref: 'QueueBatchingWindow' },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: { Ref: 'QueueMaxConcurrency' } },
    });
    const queue = resources.IngestQueue.Properties;
    // AWS: at least six times the function timeout (the largest the parameter allows).
    expect(queue.VisibilityTimeout).toBeGreaterThanOrEqual(6 * parameters.Timeout.MaxValue);
    expect(queue.RedrivePolicy).toEqual({
      deadLetterTargetArn: { 'Fn::GetAtt': ['IngestDeadLetterQueue', 'Arn'] },
      maxReceiveCount: 10,
    });
    expect(queue.SqsManagedSseEnabled).toBe(true);
    expect(resources.IngestDeadLetterQueue.Properties.MessageRetentionPeriod).toBe(1209600);
    // Lambda reads up to QueueBatchSize files a batch; a batch must fit the code's batch limit.
    expect(parameters.QueueBatchSize.MaxValue).toBeLessThanOrEqual(1000);
  });

  it('backfills may continue past 16 invocations, up to the cap; REPORT lines are kept; metrics per environment', () => {
    expect(fn.RecursiveLoop).toBe('Allow');
    expect(fn.Environment.Variables.XAPI_BULK_MAX_CONTINUATIONS).toEqual({ Ref: 'MaxBulkContinuations' });
    expect(fn.LoggingConfig.SystemLogLevel).toBe('INFO');
    expect(fn.Environment.Variables.POWERTOOLS_METRICS_NAMESPACE).toEqual({
      'Fn::Sub': 'xapi-etl/${Environment}',
    });
    expect(fn.VpcConfig['Fn::If'][0]).toBe('InVpc');
    // A query's client timeout is the function's timeout; the claim lease outlasts the longest timeout allowed.
    expect(fn.Environment.Variables.CLICKHOUSE_REQUEST_TIMEOUT_MS).toEqual({ 'Fn::Sub': '${Timeout}000' });
    const lease = loadConfig({ CLICKHOUSE_HOST: 'ch.example.com', CLICKHOUSE_PASSWORD: 'x' }).claimLeaseMs;
    expect(lease).toBeGreaterThanOrEqual((parameters.Timeout.MaxValue + 60) * 1000);
    expect(fn.Environment.Variables.XAPI_CLAIM_LEASE_SECONDS).toBeUndefined(); // the default, then
  });

  it('alarms on function errors and on messages in the DLQ, to a topic with an optional e-mail', () => {
    const alarms = Object.values(resources).filter((r: Any) => r.Type === 'AWS::CloudWatch::Alarm') as Any[];
    const errors = alarms.find(
      (a) => a.Properties.Namespace === 'AWS/Lambda' && a.Properties.MetricName === 'Errors',
    );
    expect(errors.Properties.Dimensions).toEqual([
      { Name: 'FunctionName', Value: { Ref: 'ProcessorFunction' } },
    ]);
    const dlq = alarms.find((a) => a.Properties.AlarmName['Fn::Sub']?.endsWith('-dlq-messages'));
    expect(dlq.Properties.MetricName).toBe('ApproximateNumberOfMessagesVisible');
    expect(dlq.Properties.Dimensions[0].Value).toEqual({ 'Fn::GetAtt': ['DeadLetterQueue', 'QueueName'] });
    for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: 'AlarmTopic' }]);
    const lambdaMetrics = alarms
      .filter((a) => a.Properties.Namespace === 'AWS/Lambda')
      .map((a) => a.Properties.MetricName);
    expect(lambdaMetrics.sort()).toEqual([
      'AsyncEventsDropped',
      'Errors',
      'RecursiveInvocationsDropped',
      'Throttles',
    ]);
    const sqs = alarms
      .filter((a) => a.Properties.Namespace === 'AWS/SQS')
      .map((a) => a.Properties.MetricName);
    expect(sqs.sort()).toEqual([
      'ApproximateAgeOfOldestMessage',
      'ApproximateNumberOfMessagesVisible',
      'ApproximateNumberOfMessagesVisible',
    ]);
    const near = resources.DurationNearTimeoutAlarm.Properties;
    expect(near.Metrics[1].Expression).toEqual({ 'Fn::Sub': 'duration / (${Timeout} * 1000)' });
    expect(near.Threshold).toBe(0.9);
    const unsuccessful = resources.UnsuccessfulResultsAlarm.Properties;
    expect(unsuccessful.Metrics.slice(0, 3).map((m: Any) => m.MetricStat.Metric.Dimensions[1].Value)).toEqual(
      ['event', 'bulk', 'health'],
    );
    expect(resources.HealthCheckSchedule.Properties.Targets[0].Input).toBe('{"mode": "health"}');
    expect(resources.AlarmEmailSubscription.Condition).toBe('HasAlarmEmail');
  });

  it('takes the documented parameters and outputs the function and the DLQ', () => {
    expect(parameters.Environment.AllowedValues).toEqual(['dev', 'staging', 'prod']);
    for (const name of [
      'ClickHouseHost',
      'ClickHousePort',
      'ClickHouseDatabase',
      'ClickHouseUsername',
      'ClickHousePassword',
      'ClickHousePasswordSecretArn',
      'XapiBucketName',
      'CreateXapiBucket',
      'CodeS3Bucket',
      'CodeS3Key',
      'MemorySize',
      'Timeout',
      'ReservedConcurrency',
      'AlarmEmail',
    ])
      expect(parameters, name).toHaveProperty(name);
    const outputs = template.Outputs as Any;
    expect(outputs.FunctionArn.Value).toEqual({ 'Fn::GetAtt': ['ProcessorFunction', 'Arn'] });
    expect(outputs.FunctionName.Value).toEqual({ Ref: 'ProcessorFunction' });
    expect(outputs.DeadLetterQueueUrl.Value).toEqual({ Ref: 'DeadLetterQueue' });
  });
});
