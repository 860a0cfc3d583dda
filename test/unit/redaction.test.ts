import { describe, expect, it } from 'vitest';
import { errorMessage, redactSecrets, registerSecret } from '../../src/errors.js';

/**
 * The masking every error and log line goes through (errorMessage). The end-to-end case, a secret that
 * really reaches an error message, is in test/integration/server-path.test.ts.
 */
describe('redactSecrets', () => {
  it('masks registered secrets, AWS key ids, key=value secrets and URL credentials', () => {
    registerSecret('pw-only-known-at-runtime');
    const text = [
      'password pw-only-known-at-runtime was refused',
      'key AKIAABCDEFGHIJKLMNOP used',
      'POST /?param_s3_secret=abc123&param_s3_session_token=tok456&x=1',
      'http://default:hunter22@clickhouse.example:8443/',
    ].join('\n');
    const out = redactSecrets(text);
    for (const secret of [
      'pw-only-known-at-runtime',
      'AKIAABCDEFGHIJKLMNOP',
      'abc123',
      'tok456',
      'hunter22',
    ]) {
      expect(out).not.toContain(secret);
    }
    expect(out).toContain('password [REDACTED] was refused');
    expect(out).toContain('param_s3_secret=[REDACTED]&param_s3_session_token=[REDACTED]&x=1');
    expect(out).toContain('http://[REDACTED]@clickhouse.example:8443/');
    expect(errorMessage(new Error(text))).toBe(out);
  });
});
