import { spawn } from 'node:child_process';
import crypto from 'node:crypto';

/**
 * s3rver encrypts ListObjectsV2 continuation tokens with DES. OpenSSL 3 (Node ≥ 17) has DES only in its
 * legacy provider, which Node loads with `--openssl-legacy-provider`; without it every paginated listing
 * (over 1,000 keys, or MaxKeys=1) answers "internal error".
 */
export function desAvailable(): boolean {
  try {
    crypto.createCipheriv('des', Buffer.alloc(8), Buffer.alloc(8));
    return true;
  } catch {
    return false;
  }
}

const REEXEC_MARK = 'XAPI_ETL_LEGACY_PROVIDER_REEXEC';

/**
 * Runs this very command again in a Node with the legacy provider, passing signals on and exiting with
 * its code. Returns false when that is not possible (already re-executed: the flag is not supported).
 */
export function rerunWithLegacyProvider(): boolean {
  if (process.env[REEXEC_MARK]) return false;
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit', env: { ...process.env, [REEXEC_MARK]: '1' } },
  );
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.on(signal, () => child.kill(signal));
  }
  child.on('exit', (code, signal) => process.exit(code ?? (signal === 'SIGINT' ? 130 : 1)));
  return true;
}
