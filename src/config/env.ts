import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { type PointerPath, parseJsonPointer } from '../plan/json-pointer.js';
import { compileKeyLayout, DEFAULT_KEY_LAYOUT, type KeyLayout } from '../plan/key-layout.js';

/**
 * Every environment variable the processor reads, validated once (at cold start for the Lambda,
 * at start-up for the CLI). A bad value fails loudly with one line per variable.
 */

const NATIVE_TCP_PORTS = new Set([9000, 9440]);

const boolish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const envSchema = z.object({
  CLICKHOUSE_HOST: z.string().trim().min(1).optional(),
  CLICKHOUSE_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  CLICKHOUSE_SECURE: boolish.optional(),
  CLICKHOUSE_DATABASE: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]{0,62}$/, 'must be a plain identifier (letters, digits, underscore)')
    .default('xapi_analytics'),
  CLICKHOUSE_USERNAME: z.string().min(1).default('default'),
  CLICKHOUSE_PASSWORD: z.string().optional(),
  CLICKHOUSE_PASSWORD_SECRET_ARN: z.string().startsWith('arn:', 'must be a Secrets Manager ARN').optional(),
  CLICKHOUSE_CLUSTER: z
    .string()
    .regex(/^[A-Za-z0-9_.-]{1,128}$/, 'must be a cluster name as defined in remote_servers')
    .optional(),
  CLICKHOUSE_SHARDED: boolish.optional(),
  CLICKHOUSE_CLOUD: boolish.optional(),
  CLICKHOUSE_CONSISTENCY: z.enum(['auto', 'pinned']).default('auto'),
  CLICKHOUSE_REQUEST_TIMEOUT_MS: z.coerce
    .number()
    .int()
    .positive()
    .default(14 * 60 * 1000),
  CLICKHOUSE_S3_AUTH: z.enum(['credentials', 'nosign', 'server', 'role']).default('credentials'),
  CLICKHOUSE_S3_ROLE_ARN: z
    .string()
    .regex(/^arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@/-]{1,512}$/, 'must be an IAM role ARN')
    .optional(),
  CLICKHOUSE_S3_NAMED_COLLECTION: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a named collection identifier')
    .optional(),
  S3_XAPI_BUCKET_NAME: z.string().min(3).max(63).optional(),
  AWS_ENDPOINT_URL_S3: z.url().optional(),
  AWS_ENDPOINT_URL: z.url().optional(),
  AWS_REGION: z.string().optional(),
  AWS_DEFAULT_REGION: z.string().optional(),
  ENVIRONMENT: z.enum(['dev', 'staging', 'prod']).default('dev'),
  XAPI_ETL_DATA_DIR: z.string().min(1).default('.xapi-etl'),
  XAPI_ETL_LOCK_WAIT_MS: z.coerce.number().int().min(0).default(15_000),
  XAPI_VALIDATION: z.enum(['lenient', 'strict']).default('lenient'),
  XAPI_DEFAULT_VERSION: z.enum(['1.0.3', '2.0.0']).default('1.0.3'),
  XAPI_KEY_LAYOUT: z.string().default(DEFAULT_KEY_LAYOUT),
  XAPI_SECTION_POINTER: z.string().optional(),
  XAPI_STATEMENT_FIELD: z
    .string()
    .regex(/^\P{Cc}{1,128}$/u, 'must be a field name of 1 to 128 characters')
    .optional(),
  XAPI_ASPECTS_TABLE: z
    .string()
    .regex(
      /^[A-Za-z_][A-Za-z0-9_]{0,62}\.[A-Za-z_][A-Za-z0-9_]{0,62}$/,
      'must be database.table (plain identifiers)',
    )
    .optional(),
  XAPI_BATCH_MAX_BYTES: z.coerce
    .number()
    .int()
    .positive()
    .default(512 * 1024 * 1024),
  XAPI_BATCH_MAX_FILES: z.coerce.number().int().positive().max(5000).default(1000),
  XAPI_INSERT_THREADS: z.coerce.number().int().positive().max(256).optional(),
  XAPI_CLAIM_LEASE_SECONDS: z.coerce.number().int().positive().default(1020),
  XAPI_RETENTION_DAYS: z.coerce.number().int().min(1).max(100_000).optional(),
  XAPI_BULK_MAX_CONTINUATIONS: z.coerce.number().int().min(1).max(100_000).default(1000),
  // Read by src/lambda/telemetry.ts (the metrics exist before any configuration); validated here with the rest.
  XAPI_METRICS_SECTION_DIMENSION: boolish.optional(),
  POWERTOOLS_METRICS_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9._/#:-]{1,255}$/)
    .optional(),
  AWS_LAMBDA_FUNCTION_NAME: z.string().optional(),
});

export type EngineConfig =
  | { kind: 'embedded'; dataDir: string; lockWaitMs: number }
  | {
      kind: 'server';
      url: string;
      username: string;
      /** Plain password, or undefined when it comes from Secrets Manager (resolved at connect time). */
      password?: string;
      passwordSecretArn?: string;
      requestTimeoutMs: number;
    };

export interface S3Config {
  /** Default bucket for bulk mode and health checks. */
  bucket?: string;
  /** Custom endpoint (s3rver, MinIO, R2); undefined means real AWS S3. */
  endpoint?: string;
  region: string;
  /** How ClickHouse authenticates its own s3() reads. */
  clickhouseAuth: 'credentials' | 'nosign' | 'server' | 'role';
  namedCollection?: string;
  /**
   * A role for ClickHouse's reads alone: with `role`, ClickHouse (Cloud) assumes it per query
   * (`extra_credentials(role_arn = …)`); with `credentials`, the processor assumes it and passes that role's
   * short-lived credentials instead of its own.
   */
  roleArn?: string;
}

/** Where files sit and what a record of them holds (docs/sources.md). */
export interface SourceConfig {
  layout: KeyLayout;
  /** XAPI_SECTION_POINTER: the statement's section, for a layout without {section_id}. */
  sectionPointer?: { pointer: string; path: PointerPath };
  /** XAPI_STATEMENT_FIELD: each record is an envelope; the statement is this field (an object or a JSON string). */
  statementField?: string;
}

export interface AppConfig {
  engine: EngineConfig;
  database: string;
  cluster?: string;
  /** The cluster has several shards: section-keyed tables sit behind Distributed tables. */
  sharded: boolean;
  /**
   * ClickHouse Cloud: DDL is replicated by the service (no ON CLUSTER, engines as written become SharedMergeTree)
   * and every read that follows a write asks for sequential consistency (replicas behind a load balancer).
   */
  cloud: boolean;
  /** `pinned`: CLICKHOUSE_HOST is one replica, which sees its own writes (src/engine/consistency.ts). */
  consistency: 'auto' | 'pinned';
  s3: S3Config;
  environment: 'dev' | 'staging' | 'prod';
  validation: 'lenient' | 'strict';
  source: SourceConfig;
  /** XAPI_DEFAULT_VERSION: the xAPI version of a statement without `version` (which rules strict mode applies). */
  defaultVersion: '1.0.3' | '2.0.0';
  /** XAPI_ASPECTS_TABLE: every loaded statement is also written, once, into this table of Aspects' raw shape. */
  aspectsTable?: string;
  batch: { maxBytes: number; maxFiles: number };
  /** Parallel streams of a load INSERT; unset = the engine's max_threads (its cores). */
  insertThreads?: number;
  /**
   * How long a claim protects an unfinished load from takeover by others (default 17 min: Lambda's longest
   * run, 15 min, plus a margin).
   */
  claimLeaseMs: number;
  /** Data older than this many days leaves by whole months (src/retention/expire.ts); unset: kept forever. */
  retentionDays?: number;
  /**
   * A Lambda backfill hands over to a new invocation of itself at most this many times (a runaway loop's hard
   * cap; the template allows Lambda's recursive invocations for that chain): then it stops, says so, and a
   * re-run of the same request carries on (the ledger skips what is loaded).
   */
  bulkMaxContinuations: number;
  runningInLambda: boolean;
}

/** Names of every variable read here; the CloudFormation template test compares against it. */
export const ENVIRONMENT_VARIABLES = Object.keys(envSchema.shape);

export function loadConfig(env: Record<string, string | undefined> = process.env): AppConfig {
  const parsed = envSchema.safeParse(pickKnown(env));
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const runningInLambda = Boolean(e.AWS_LAMBDA_FUNCTION_NAME);

  if (runningInLambda && !e.CLICKHOUSE_HOST) {
    throw new ConfigError(
      'Invalid configuration:\n  CLICKHOUSE_HOST: required in AWS Lambda (the embedded engine is for local use)',
    );
  }
  if (e.CLICKHOUSE_CLOUD && e.CLICKHOUSE_SHARDED) {
    throw new ConfigError(
      'Invalid configuration:\n  CLICKHOUSE_SHARDED: ClickHouse Cloud is one shard with many replicas; leave it unset',
    );
  }
  if (e.CLICKHOUSE_SHARDED && !e.CLICKHOUSE_CLUSTER) {
    throw new ConfigError(
      'Invalid configuration:\n  CLICKHOUSE_SHARDED: needs CLICKHOUSE_CLUSTER (the cluster whose shards hold the data)',
    );
  }
  if (e.CLICKHOUSE_S3_AUTH === 'role' && !e.CLICKHOUSE_S3_ROLE_ARN) {
    throw new ConfigError(
      'Invalid configuration:\n  CLICKHOUSE_S3_ROLE_ARN: CLICKHOUSE_S3_AUTH=role needs the role ClickHouse assumes',
    );
  }
  if (e.CLICKHOUSE_S3_ROLE_ARN && (e.CLICKHOUSE_S3_AUTH === 'nosign' || e.CLICKHOUSE_S3_AUTH === 'server')) {
    throw new ConfigError(
      'Invalid configuration:\n  CLICKHOUSE_S3_ROLE_ARN: used with CLICKHOUSE_S3_AUTH=role or credentials only',
    );
  }
  if (e.CLICKHOUSE_S3_NAMED_COLLECTION && e.CLICKHOUSE_S3_AUTH !== 'credentials') {
    throw new ConfigError(
      'Invalid configuration:\n  CLICKHOUSE_S3_NAMED_COLLECTION: cannot be combined with CLICKHOUSE_S3_AUTH=nosign|server',
    );
  }

  const source = sourceConfig(e.XAPI_KEY_LAYOUT, e.XAPI_SECTION_POINTER, e.XAPI_STATEMENT_FIELD);

  return {
    engine: e.CLICKHOUSE_HOST
      ? {
          kind: 'server',
          url: serverUrl(e.CLICKHOUSE_HOST, e.CLICKHOUSE_PORT, e.CLICKHOUSE_SECURE),
          username: e.CLICKHOUSE_USERNAME,
          password: e.CLICKHOUSE_PASSWORD,
          passwordSecretArn: e.CLICKHOUSE_PASSWORD_SECRET_ARN,
          requestTimeoutMs: e.CLICKHOUSE_REQUEST_TIMEOUT_MS,
        }
      : { kind: 'embedded', dataDir: path.resolve(e.XAPI_ETL_DATA_DIR), lockWaitMs: e.XAPI_ETL_LOCK_WAIT_MS },
    database: e.CLICKHOUSE_DATABASE,
    cluster: e.CLICKHOUSE_CLUSTER,
    sharded: e.CLICKHOUSE_SHARDED ?? false,
    cloud: e.CLICKHOUSE_CLOUD ?? false,
    consistency: e.CLICKHOUSE_CONSISTENCY,
    s3: {
      bucket: e.S3_XAPI_BUCKET_NAME,
      endpoint: e.AWS_ENDPOINT_URL_S3 ?? e.AWS_ENDPOINT_URL,
      region: e.AWS_REGION ?? e.AWS_DEFAULT_REGION ?? 'us-east-1',
      clickhouseAuth: e.CLICKHOUSE_S3_AUTH,
      namedCollection: e.CLICKHOUSE_S3_NAMED_COLLECTION,
      ...(e.CLICKHOUSE_S3_ROLE_ARN ? { roleArn: e.CLICKHOUSE_S3_ROLE_ARN } : {}),
    },
    environment: e.ENVIRONMENT,
    validation: e.XAPI_VALIDATION,
    defaultVersion: e.XAPI_DEFAULT_VERSION,
    source,
    ...(e.XAPI_ASPECTS_TABLE ? { aspectsTable: e.XAPI_ASPECTS_TABLE } : {}),
    batch: { maxBytes: e.XAPI_BATCH_MAX_BYTES, maxFiles: e.XAPI_BATCH_MAX_FILES },
    insertThreads: e.XAPI_INSERT_THREADS,
    claimLeaseMs: e.XAPI_CLAIM_LEASE_SECONDS * 1000,
    ...(e.XAPI_RETENTION_DAYS ? { retentionDays: e.XAPI_RETENTION_DAYS } : {}),
    bulkMaxContinuations: e.XAPI_BULK_MAX_CONTINUATIONS,
    runningInLambda,
  };
}

function sourceConfig(
  template: string,
  pointer: string | undefined,
  field: string | undefined,
): SourceConfig {
  const layout = compileKeyLayout(template);
  const source: SourceConfig = { layout, ...(field ? { statementField: field } : {}) };
  if (pointer === undefined) return source;
  if (layout.has('section_id')) {
    throw new ConfigError(
      `Invalid configuration:\n  XAPI_SECTION_POINTER: the key layout names the section ({section_id} in "${template}"); set one or the other`,
    );
  }
  const path = parseJsonPointer(pointer);
  if (typeof path === 'string')
    throw new ConfigError(`Invalid configuration:\n  XAPI_SECTION_POINTER: ${path}`);
  return { ...source, sectionPointer: { pointer, path } };
}

function pickKnown(env: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ENVIRONMENT_VARIABLES) {
    const value = env[name];
    // An empty variable is treated as unset, as shells and CloudFormation often leave them empty.
    if (value !== undefined && value !== '') out[name] = value;
  }
  return out;
}

/**
 * CLICKHOUSE_HOST may be a bare host name or a full URL. Port 9000/9440 are ClickHouse's native TCP
 * protocol, which an HTTP client cannot speak: refuse them with the ports that work.
 */
function serverUrl(host: string, port: number | undefined, secure: boolean | undefined): string {
  const hasScheme = /^https?:\/\//i.test(host);
  const url = new URL(hasScheme ? host : `${secure ? 'https' : 'http'}://${host}`);
  if (!hasScheme && secure === undefined && port === 8443) url.protocol = 'https:';
  if (port !== undefined) url.port = String(port);
  const effectivePort = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  if (NATIVE_TCP_PORTS.has(effectivePort)) {
    throw new ConfigError(
      `Invalid configuration:\n  CLICKHOUSE_PORT: ${effectivePort} is ClickHouse's native TCP port, which this HTTP client cannot speak. ` +
        'Use the HTTP interface: 8123 (http) or 8443 (https, ClickHouse Cloud).',
    );
  }
  if (!url.port && !hasScheme) url.port = url.protocol === 'https:' ? '8443' : '8123';
  url.username = '';
  url.password = '';
  return url.toString().replace(/\/$/, '');
}
