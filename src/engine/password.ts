import type { EngineConfig } from '../config/env.js';
import { ConfigError } from '../errors.js';

type ServerConfig = Extract<EngineConfig, { kind: 'server' }>;

let cached: { arn: string; value: string; readAt: number } | undefined;

/** How long a password read from Secrets Manager is trusted before it is read again (a rotation is seen). */
export const PASSWORD_TTL_MS = 5 * 60_000;

/**
 * The ClickHouse password: from Secrets Manager when CLICKHOUSE_PASSWORD_SECRET_ARN is set (read once and
 * kept; `passwordChanged` re-reads it after PASSWORD_TTL_MS, `forgetPassword` at once), else
 * CLICKHOUSE_PASSWORD. The secret may be a plain string or JSON with a "password" field (the shape RDS-style
 * rotation templates write).
 */
export async function resolvePassword(config: ServerConfig): Promise<string | undefined> {
  if (!config.passwordSecretArn) return config.password;
  if (cached?.arn === config.passwordSecretArn) return cached.value;
  const value = await readSecret(config.passwordSecretArn);
  cached = { arn: config.passwordSecretArn, value, readAt: Date.now() };
  return value;
}

/**
 * Whether the secret holds another password than the one in use, read again once the kept one is older than
 * the TTL (false without a secret, or within the TTL). A failed read says false: the password in use stays.
 */
export async function passwordChanged(config: ServerConfig, now = Date.now()): Promise<boolean> {
  if (!config.passwordSecretArn || !cached || cached.arn !== config.passwordSecretArn) return false;
  if (now - cached.readAt < PASSWORD_TTL_MS) return false;
  const value = await readSecret(config.passwordSecretArn).catch(() => undefined);
  if (value === undefined) return false;
  const changed = value !== cached.value;
  cached = { arn: config.passwordSecretArn, value, readAt: now };
  return changed;
}

/** The next resolvePassword reads the secret again (after ClickHouse refused the password in use). */
export function forgetPassword(): void {
  cached = undefined;
}

async function readSecret(arn: string): Promise<string> {
  const config = { passwordSecretArn: arn };
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
  return parseSecret(secret);
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
