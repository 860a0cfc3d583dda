import type { EngineConfig } from '../config/env.js';
import { ConfigError } from '../errors.js';

type ServerConfig = Extract<EngineConfig, { kind: 'server' }>;

let cached: { arn: string; value: string } | undefined;

/**
 * The ClickHouse password: from Secrets Manager when CLICKHOUSE_PASSWORD_SECRET_ARN is set (cached for
 * the life of the Lambda container), else CLICKHOUSE_PASSWORD. The secret may be a plain string or
 * JSON with a "password" field (the shape RDS-style rotation templates write).
 */
export async function resolvePassword(config: ServerConfig): Promise<string | undefined> {
  if (!config.passwordSecretArn) return config.password;
  if (cached?.arn === config.passwordSecretArn) return cached.value;
  const { SecretsManagerClient, GetSecretValueCommand } = await import('@aws-sdk/client-secrets-manager');
  const client = new SecretsManagerClient({});
  let secret: string | undefined;
  try {
    const out = await client.send(new GetSecretValueCommand({ SecretId: config.passwordSecretArn }));
    secret = out.SecretString;
  } catch (cause) {
    throw new ConfigError(
      `Could not read the ClickHouse password from Secrets Manager (${config.passwordSecretArn}): ${(cause as Error).name}`,
      { cause },
    );
  }
  if (!secret) throw new ConfigError(`Secret ${config.passwordSecretArn} has no SecretString`);
  const value = parseSecret(secret);
  cached = { arn: config.passwordSecretArn, value };
  return value;
}

function parseSecret(secret: string): string {
  if (!secret.trimStart().startsWith('{')) return secret;
  try {
    const parsed = JSON.parse(secret) as { password?: unknown };
    if (typeof parsed.password === 'string') return parsed.password;
  } catch {
    // Not JSON after all: the whole string is the password.
  }
  return secret;
}
