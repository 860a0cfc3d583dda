import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HEALTH_TIME_LIMIT_MS } from '../../src/modes/health.js';
import { runCli } from '../helpers/cli.js';
import { closedPort } from '../helpers/closed-port.js';

/**
 * `health` with S3 down always ends within its own time limit, exit 1, with the cause. Before: with the
 * S3 endpoint down it printed its FAIL table and never exited (killed after 10 minutes): ClickHouse's
 * s3() retried the refused connection for minutes and held the engine.
 */
const LIMIT_MS = HEALTH_TIME_LIMIT_MS + 5_000;

describe('health with S3 down ends in time', () => {
  const env = () => ({
    XAPI_ETL_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-health-')),
    S3_XAPI_BUCKET_NAME: 'xapi',
  });

  it('nothing listening on the S3 endpoint: exit 1 in a few seconds, "connection refused" from both sides', async () => {
    const port = await closedPort();
    const r = await runCli(['health'], {
      env: { ...env(), AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}` },
    });
    console.log(`health, S3 refusing connections: exit ${r.status} after ${r.ms} ms`);
    expect(r.status).toBe(1);
    expect(r.ms).toBeLessThan(LIMIT_MS);
    expect(r.stdout).toMatch(/^ok {3}clickhouse/m);
    expect(r.stdout).toContain(
      `FAIL s3_from_lambda       cannot reach S3 at http://127.0.0.1:${port}: connection refused (ECONNREFUSED)`,
    );
    expect(r.stdout).toMatch(/^FAIL s3_from_clickhouse .*Connection refused/m);
    expect(r.stdout).toContain('unhealthy: 2 problem(s)');
  });

  it('an S3 endpoint that accepts connections and never answers: still exit 1 within the limit', async () => {
    const sockets = new Set<net.Socket>();
    const blackHole = net.createServer((s) => sockets.add(s));
    await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve));
    const { port } = blackHole.address() as net.AddressInfo;
    try {
      const r = await runCli(['health', '--json'], {
        env: { ...env(), AWS_ENDPOINT_URL_S3: `http://127.0.0.1:${port}` },
      });
      console.log(`health, S3 never answering: exit ${r.status} after ${r.ms} ms`);
      expect(r.status).toBe(1);
      expect(r.ms).toBeLessThan(LIMIT_MS);
      const result = JSON.parse(r.stdout);
      expect(result.checks.clickhouse.ok).toBe(true);
      expect(result.checks.s3_from_lambda).toMatchObject({ ok: false });
      expect(result.checks.s3_from_clickhouse).toMatchObject({ ok: false });
    } finally {
      for (const s of sockets) s.destroy();
      blackHole.close();
    }
  });
});
