import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { ConfigError } from '../../src/errors.js';

describe('loadConfig', () => {
  it('defaults to the embedded engine and the xapi_analytics database', () => {
    const c = loadConfig({});
    expect(c.engine.kind).toBe('embedded');
    expect(c.database).toBe('xapi_analytics');
    expect(c.environment).toBe('dev');
  });

  it('builds an HTTP URL from host and port', () => {
    const c = loadConfig({ CLICKHOUSE_HOST: 'ch.internal', CLICKHOUSE_PORT: '8123' });
    expect(c.engine).toMatchObject({ kind: 'server', url: 'http://ch.internal:8123' });
    const tls = loadConfig({ CLICKHOUSE_HOST: 'abc.clickhouse.cloud', CLICKHOUSE_SECURE: 'true' });
    expect(tls.engine).toMatchObject({ url: 'https://abc.clickhouse.cloud:8443' });
    const url = loadConfig({ CLICKHOUSE_HOST: 'https://abc.clickhouse.cloud:8443' });
    expect(url.engine).toMatchObject({ url: 'https://abc.clickhouse.cloud:8443' });
  });

  it('refuses the native TCP port 9000 with a message naming the HTTP ports', () => {
    expect(() => loadConfig({ CLICKHOUSE_HOST: 'ch', CLICKHOUSE_PORT: '9000' })).toThrow(ConfigError);
    expect(() => loadConfig({ CLICKHOUSE_HOST: 'ch', CLICKHOUSE_PORT: '9000' })).toThrow(/8123.*8443/);
  });

  it('reports every bad variable by name', () => {
    const attempt = () =>
      loadConfig({ ENVIRONMENT: 'qa', CLICKHOUSE_DATABASE: 'x; DROP', CLICKHOUSE_PORT: 'abc' });
    expect(attempt).toThrow(/ENVIRONMENT/);
    expect(attempt).toThrow(/CLICKHOUSE_DATABASE/);
    expect(attempt).toThrow(/CLICKHOUSE_PORT/);
  });

  it('takes an optional insert thread count, a positive integer', () => {
    expect(loadConfig({}).insertThreads).toBeUndefined();
    expect(loadConfig({ XAPI_INSERT_THREADS: '8' }).insertThreads).toBe(8);
    expect(() => loadConfig({ XAPI_INSERT_THREADS: '0' })).toThrow(/XAPI_INSERT_THREADS/);
  });

  it('requires a server inside Lambda', () => {
    expect(() => loadConfig({ AWS_LAMBDA_FUNCTION_NAME: 'f' })).toThrow(/CLICKHOUSE_HOST/);
  });

  it('never puts the password into the server URL', () => {
    const c = loadConfig({
      CLICKHOUSE_HOST: 'https://user:hunter22@ch:8443',
      CLICKHOUSE_PASSWORD: 'hunter22',
    });
    expect(c.engine.kind === 'server' && c.engine.url).toBe('https://ch:8443');
  });
});
