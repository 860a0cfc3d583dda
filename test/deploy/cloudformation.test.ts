// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${…} here is CloudFormation's Fn::Sub syntax, not a JS template.
import fs from 'node:fs';
import path from 'node:path';
import type { SpecDatabase } from '@aws-cdk/service-spec-types';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_RUNTIME } from '../../scripts/build-lambda.mjs';
import { ENVIRONMENT_VARIABLES, loadConfig } from '../../src/config/env.js';
import { BUNDLE_EXTENSIONS, isBundleKey } from '../../src/plan/file-format.js';
import { compileKeyLayout } from '../../src/plan/key-layout.js';
import {
  dependencyCycles,
  iamProblems,
  isIntrinsic,
  loadSpec,
  policyStatements,
  referenceProblems,
  resolveTemplate,
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

/** The parameters without a default, for resolveTemplate. */
const REQUIRED = {
  ClickHouseHost: 'ch.example.com',
  ClickHousePasswordSecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:clickhouse-AbCdEf',
  XapiBucketName: 'my-xapi-bucket',
  CodeS3Bucket: 'my-artifacts-bucket',
  CodeS3Key: 'xapi-etl/xapi-etl-processor-0123.zip',
};
/** The resources of a stack deployed with these parameter values (the rest at their defaults). */
const deployed = (values: Record<string, string> = {}): Any =>
  resolveTemplate(template, { ...REQUIRED, ...values }).template.Resources;

/** The layouts deploy/README.md and docs/sources.md document, with the prefix and suffix choice each needs. */
const LAYOUTS = {
  default: {
    KeyLayout: 'section/{section_id}/{event_type}/*',
    KeyPrefix: 'section/',
    KeySuffixes: 'bundles',
  },
  firehose: {
    KeyLayout: 'firehose/section={section_id}/{yyyy}/{mm}/{dd}/{hh}/*',
    KeyPrefix: 'firehose/',
    KeySuffixes: 'any',
  },
  aspects: { KeyLayout: 'xapi/{yyyy}/{mm}/{dd}/{hh}/*.log.gz', KeyPrefix: 'xapi/', KeySuffixes: 'gzip' },
  firehoseAtRoot: { KeyLayout: '{yyyy}/{mm}/{dd}/{hh}/*', KeyPrefix: '', KeySuffixes: 'any' },
};

type KeyFilter = { prefix?: string; suffix?: string };
/**
 * The key filters of the bucket's notification configurations (a bucket the stack owns), the same for the queue
 * and for the function (TriggerMode=direct).
 */
const notificationFilters = (values: Record<string, string>): KeyFilter[] => {
  const filters = (mode: 'queue' | 'direct') => {
    const config = deployed({ ...values, CreateXapiBucket: 'true', TriggerMode: mode }).XapiBucket.Properties
      .NotificationConfiguration;
    const [key, target] =
      mode === 'queue'
        ? ['QueueConfigurations', { Queue: { 'Fn::GetAtt': ['IngestQueue', 'Arn'] } }]
        : ['LambdaConfigurations', { Function: { Ref: 'ProcessorAlias' } }];
    expect(Object.keys(config)).toEqual([key]);
    return (config[key] as Any[]).map((c) => {
      expect(c).toMatchObject({ Event: 's3:ObjectCreated:*', ...target });
      if (c.Filter === undefined) return {};
      const rules = c.Filter.S3Key.Rules as Any[];
      expect(rules.length, 'S3 refuses an empty list of rules').toBeGreaterThan(0);
      expect(new Set(rules.map((r) => r.Name)).size, 'one prefix, one suffix').toBe(rules.length);
      return Object.fromEntries(rules.map((r) => [r.Name, r.Value])) as KeyFilter;
    });
  };
  const viaQueue = filters('queue');
  expect(filters('direct')).toEqual(viaQueue);
  return viaQueue;
};
const s3Notifies = (filters: KeyFilter[], key: string) =>
  filters.some((f) => key.startsWith(f.prefix ?? '') && key.endsWith(f.suffix ?? ''));
/** S3 refuses two configurations (of one event type) whose prefixes overlap and whose suffixes overlap. */
const overlapping = (filters: KeyFilter[]) =>
  filters.flatMap((a, i) =>
    filters.slice(i + 1).flatMap((b) => {
      const [pa, pb, sa, sb] = [a.prefix ?? '', b.prefix ?? '', a.suffix ?? '', b.suffix ?? ''];
      const prefixes = pa.startsWith(pb) || pb.startsWith(pa);
      const suffixes = sa.endsWith(sb) || sb.endsWith(sa);
      return prefixes && suffixes ? [`${JSON.stringify(a)} / ${JSON.stringify(b)}`] : [];
    }),
  );

/** The rule's patterns for detail.object.key (a bucket owned elsewhere); undefined: no condition on the key. */
const eventBridgeKeyPatterns = (values: Record<string, string>): Any[] | undefined => {
  const pattern = deployed({ ...values, CreateXapiBucket: 'false' }).ObjectCreatedRule.Properties
    .EventPattern;
  expect(pattern.source).toEqual(['aws.s3']);
  expect(pattern['detail-type']).toEqual(['Object Created']);
  expect(pattern.detail.bucket).toEqual({ name: [REQUIRED.XapiBucketName] });
  return pattern.detail.object?.key;
};
/** EventBridge's wildcard: `*` is any run of characters (`/` included); nothing else is special here. */
const wildcardMatches = (wildcard: string, key: string) =>
  new RegExp(
    `^${wildcard
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  ).test(key);
const eventBridgeMatches = (patterns: Any[] | undefined, key: string) =>
  patterns === undefined ||
  patterns.some((p) => ('prefix' in p ? key.startsWith(p.prefix) : wildcardMatches(p.wildcard, key)));

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

    // resolveTemplate: the parameters' constraints, the conditions, the branches, the resources left out.
    expect(() => resolveTemplate(template, { KeySufixes: 'any' })).toThrow(/no parameter KeySufixes/);
    expect(() => deployed({ KeySuffixes: 'zip' })).toThrow(/KeySuffixes.*not one of bundles, gzip, any/);
    expect(() => deployed({ MemorySize: '64' })).toThrow(/MemorySize.*less than 128/);
    const direct = resolveTemplate(template, {
      ...REQUIRED,
      TriggerMode: 'direct',
      CreateXapiBucket: 'true',
    });
    expect(direct.conditions).toMatchObject({
      UseQueue: false,
      OwnsXapiBucket: true,
      UseEventBridge: false,
      EventBridgeToFunction: false,
      InVpc: false,
      CreatePasswordSecret: false,
    });
    const stack = direct.template.Resources as Any;
    expect(stack.ObjectCreatedRule).toBeUndefined();
    expect(stack.IngestQueueMapping).toBeUndefined();
    expect(stack.XapiBucket.Properties.NotificationConfiguration.LambdaConfigurations).toBeDefined();
    expect(stack.ProcessorFunction.Properties.VpcConfig).toBeUndefined(); // AWS::NoValue
    expect(stack.ProcessorFunction.Properties.Environment.Variables.CLICKHOUSE_PASSWORD_SECRET_ARN).toBe(
      REQUIRED.ClickHousePasswordSecretArn,
    );
    expect(stack.ProcessorLogGroup.Properties.LogGroupName).toBe('/aws/lambda/xapi-etl-processor-dev');
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

  it('reads only KeyPrefix* of the xAPI bucket (section/* by default), and lists it only under that prefix', () => {
    const [read] = byAction('s3:GetObject');
    expect(read.Resource).toEqual({
      'Fn::Sub': 'arn:${AWS::Partition}:s3:::${XapiBucketName}/${KeyPrefix}*',
    });
    const [list] = byAction('s3:ListBucket');
    expect(list.Resource).toEqual({ 'Fn::Sub': 'arn:${AWS::Partition}:s3:::${XapiBucketName}' });
    // Both the function's role and ClickHouse's read role, for the default prefix, another, and none.
    for (const [prefix, listed] of [
      ['section/', ['section/', 'section/*']],
      ['xapi/', ['xapi/', 'xapi/*']],
      ['', undefined],
    ] as const) {
      const stack = deployed({ KeyPrefix: prefix });
      for (const role of ['ProcessorRole', 'ClickHouseReadRole']) {
        const statements = stack[role].Properties.Policies.flatMap((p: Any) => p.PolicyDocument.Statement);
        const get = statements.find((st: Any) => st.Action === 's3:GetObject');
        expect(get.Resource, `${role} ${prefix}`).toEqual({
          'Fn::Sub': `arn:\${AWS::Partition}:s3:::my-xapi-bucket/${prefix}*`,
        });
        const ls = statements.find((st: Any) => st.Action === 's3:ListBucket');
        // Without a prefix the layout spans the bucket: listing it whole (no s3:prefix) must be allowed.
        expect(ls.Condition, `${role} ${prefix}`).toEqual(listed && { StringLike: { 's3:prefix': listed } });
      }
    }
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

  it('passes the key layout, the section pointer, the statement field and the Aspects table to the function', () => {
    const variables = fn.Environment.Variables;
    expect(variables).toMatchObject({
      XAPI_KEY_LAYOUT: { Ref: 'KeyLayout' },
      XAPI_SECTION_POINTER: { Ref: 'SectionPointer' },
      XAPI_STATEMENT_FIELD: { Ref: 'StatementField' },
      XAPI_ASPECTS_TABLE: { Ref: 'AspectsTable' },
    });
    for (const name of ['SectionPointer', 'StatementField', 'AspectsTable'])
      expect(parameters[name].Default).toBe('');
    // What the code makes of the function's environment, for the defaults and for the Aspects layout.
    const configOf = (values: Record<string, string>) => {
      const env = deployed(values).ProcessorFunction.Properties.Environment.Variables as Record<string, Cfn>;
      const plain = Object.fromEntries(
        Object.entries(env).map(([k, v]) => [
          k,
          typeof v === 'string' ? v : k.endsWith('ROLE_ARN') ? 'arn:aws:iam::123456789012:role/r' : String(v),
        ]),
      );
      return loadConfig({ ...plain, AWS_LAMBDA_FUNCTION_NAME: 'xapi-etl-processor-dev' });
    };
    const byDefault = configOf({});
    expect(byDefault.source.layout.template).toBe('section/{section_id}/{event_type}/*');
    expect(byDefault.source.sectionPointer).toBeUndefined(); // an empty variable is unset
    expect(byDefault.source.statementField).toBeUndefined();
    expect(byDefault.aspectsTable).toBeUndefined();
    const aspects = configOf({
      ...LAYOUTS.aspects,
      SectionPointer: '/context/contextActivities/parent/0/id',
      StatementField: 'statement',
      AspectsTable: 'xapi.xapi_events_all',
    });
    expect(aspects.source.layout.template).toBe(LAYOUTS.aspects.KeyLayout);
    // (Only that it arrived: its parsed shape is src/plan/json-pointer.ts's business.)
    expect(JSON.stringify(aspects.source.sectionPointer)).toContain('contextActivities');
    expect(aspects.source.statementField).toBe('statement');
    expect(aspects.aspectsTable).toBe('xapi.xapi_events_all');
    expect(configOf(LAYOUTS.firehose).source.layout.has('section_id')).toBe(true);
    // The parameters refuse what the code would refuse at cold start.
    expect(() => deployed({ AspectsTable: 'xapi_events_all' })).toThrow(/AspectsTable.*does not match/);
    expect(() => deployed({ SectionPointer: 'context/x' })).toThrow(/SectionPointer.*does not match/);
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
    expect(bucket.Properties.NotificationConfiguration['Fn::If'][0]).toBe('UseQueue');
    expect(parameters.KeyPrefix.Default).toBe('section/');
    expect(parameters.KeySuffixes).toMatchObject({
      Default: 'bundles',
      AllowedValues: ['bundles', 'gzip', 'any'],
    });
    // The defaults: section/, and every extension the code loads ends with exactly one suffix; every suffix is
    // one of theirs, and no two configurations overlap (S3 refuses that).
    const filters = notificationFilters({});
    expect(filters.every((f) => f.prefix === 'section/')).toBe(true);
    const suffixes = filters.map((f) => f.suffix as string);
    for (const ext of BUNDLE_EXTENSIONS)
      expect(
        suffixes.filter((x) => ext.endsWith(x)),
        ext,
      ).toHaveLength(1);
    for (const suffix of suffixes)
      expect(
        BUNDLE_EXTENSIONS.some((ext) => ext.endsWith(suffix)),
        suffix,
      ).toBe(true);
    expect(overlapping(filters)).toEqual([]);
    // The compressions' own suffixes keep the list short (one per format and one per compression, not one per
    // pair): a compressed file of another kind is notified too, and the function ignores it.
    expect(suffixes.length).toBeLessThan(BUNDLE_EXTENSIONS.length);
    expect(s3Notifies(filters, 'section/s1/video/export.csv.gz')).toBe(true);
    expect(isBundleKey('section/s1/video/export.csv.gz')).toBe(false);
    const permission = resources.S3InvokePermission;
    expect(permission.Properties.Principal).toBe('s3.amazonaws.com');
    expect(permission.Properties.SourceAccount).toEqual({ Ref: 'AWS::AccountId' });
  });

  it('KeyPrefix and KeySuffixes shape the notification: any is the prefix alone, gzip is .gz', () => {
    expect(notificationFilters({ KeySuffixes: 'any' })).toEqual([{ prefix: 'section/' }]);
    expect(notificationFilters({ KeySuffixes: 'gzip' })).toEqual([{ prefix: 'section/', suffix: '.gz' }]);
    expect(notificationFilters(LAYOUTS.firehose)).toEqual([{ prefix: 'firehose/' }]);
    expect(notificationFilters(LAYOUTS.aspects)).toEqual([{ prefix: 'xapi/', suffix: '.gz' }]);
    // No prefix: the suffixes alone, or, with any, no filter at all (S3 refuses an empty one).
    expect(notificationFilters(LAYOUTS.firehoseAtRoot)).toEqual([{}]);
    const rootBundles = notificationFilters({ KeyPrefix: '' });
    expect(rootBundles.map((f) => f.suffix)).toEqual(notificationFilters({}).map((f) => f.suffix));
    expect(rootBundles.every((f) => f.prefix === undefined)).toBe(true);
    for (const prefix of ['section/', 'xapi/', ''])
      for (const choice of ['bundles', 'gzip', 'any'])
        expect(overlapping(notificationFilters({ KeyPrefix: prefix, KeySuffixes: choice }))).toEqual([]);
  });

  it('a bucket owned elsewhere triggers the queue (or the function) through an EventBridge rule', () => {
    const rule = resources.ObjectCreatedRule;
    expect(rule.Condition).toBe('UseEventBridge');
    // The defaults: one wildcard per suffix of the bucket notification, under section/.
    const patterns = eventBridgeKeyPatterns({}) as Any[];
    expect(patterns).toEqual(notificationFilters({}).map((f) => ({ wildcard: `section/*${f.suffix}` })));
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

  it('the EventBridge rule follows KeyPrefix and KeySuffixes: it matches exactly the keys the notification does', () => {
    expect(eventBridgeKeyPatterns({ KeySuffixes: 'any' })).toEqual([{ prefix: 'section/' }]);
    expect(eventBridgeKeyPatterns(LAYOUTS.aspects)).toEqual([{ wildcard: 'xapi/*.gz' }]);
    expect(eventBridgeKeyPatterns(LAYOUTS.firehoseAtRoot)).toBeUndefined();
    const names = [
      ...BUNDLE_EXTENSIONS.map((ext) => `s1/video/2024-01-01T12-00-00.000Z_bundle${ext}`),
      's1/video/notes.csv',
      's1/video/archive.tar',
      '2024/01/01/12/xapi-stream-1-2024-01-01-12-00-00-0f1e2d3c',
      '2024/01/01/12/xapi-stream-1-2024-01-01-12-00-00-0f1e2d3c.gz',
    ];
    for (const prefix of ['section/', 'firehose/', 'xapi/', ''])
      for (const choice of ['bundles', 'gzip', 'any']) {
        const values = { KeyPrefix: prefix, KeySuffixes: choice };
        const filters = notificationFilters(values);
        const patterns = eventBridgeKeyPatterns(values);
        for (const folder of ['section/', 'firehose/', 'xapi/', 'elsewhere/'])
          for (const name of names) {
            const key = `${folder}${name}`;
            const wanted =
              key.startsWith(prefix) &&
              (choice === 'any' ||
                (choice === 'gzip' ? key.endsWith('.gz') : isBundleKey(key) && /\.[a-z0-9]+$/.test(name)));
            const where = `${JSON.stringify(values)} ${key}`;
            expect(s3Notifies(filters, key), where).toBe(wanted);
            expect(eventBridgeMatches(patterns, key), where).toBe(wanted);
          }
      }
  });

  it('KeyPrefix is the head of the documented layouts, a literal S3 and EventBridge filter', () => {
    for (const [name, values] of Object.entries(LAYOUTS)) {
      expect(compileKeyLayout(values.KeyLayout).head, name).toBe(values.KeyPrefix);
      expect(() => deployed(values), name).not.toThrow(); // the parameters' patterns accept them
    }
    expect(parameters.KeyLayout.Default).toBe(LAYOUTS.default.KeyLayout);
    // Wildcards and escapes mean something to EventBridge; other characters need escaping in S3's filters.
    for (const prefix of ['section/*/', 'a\\b/', 'section', 'a b/', '/section/', 'sec=tion/'])
      expect(() => deployed({ KeyPrefix: prefix }), prefix).toThrow(/does not match/);
    // The longest prefix allowed, under the longest bucket name, keeps the pattern within EventBridge's 2048.
    const longest = `${'a'.repeat(parameters.KeyPrefix.MaxLength - 1)}/`;
    const bucket = `b${'x'.repeat(61)}c`;
    const pattern = deployed({ KeyPrefix: longest, XapiBucketName: bucket, CreateXapiBucket: 'false' })
      .ObjectCreatedRule.Properties.EventPattern;
    expect(JSON.stringify(pattern).length).toBeLessThanOrEqual(2048);
  });

  it('stays within the 51,200 bytes `aws cloudformation deploy --template-file` takes without an S3 bucket', () => {
    expect(fs.statSync(TEMPLATE_PATH).size).toBeLessThanOrEqual(51_200);
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
