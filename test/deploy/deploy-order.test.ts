import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env.js';
import { createRuntime, type Runtime } from '../../src/runtime.js';
import { readMigrationSet } from '../../src/schema/migration-files.js';
import { migrate } from '../../src/upgrade/migrate.js';
import { type EngineHttpFront, startEngineHttpFront } from '../helpers/engine-http-front.js';
import { FIXTURES } from '../helpers/harness.js';

/**
 * `deploy.sh --deploy` migrates the schema before the new code takes traffic, and again after (issue #19): run
 * for real against a ClickHouse (the engine's HTTP front) holding v0.1.0's schema, with an `aws` command of the
 * test's own on PATH that records each call and, when the code is replaced, the schema version it finds.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');

describe('deploy.sh --deploy', () => {
  let front: EngineHttpFront;
  let rt: Runtime;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-deploy-'));
  const log = path.join(dir, 'aws.log');

  beforeAll(async () => {
    front = await startEngineHttpFront();
    rt = await createRuntime(
      loadConfig({
        ...process.env,
        CLICKHOUSE_HOST: front.url,
        CLICKHOUSE_USERNAME: front.user,
        CLICKHOUSE_PASSWORD: front.password,
        CLICKHOUSE_DATABASE: 'deployed',
      }),
    );
    await migrate(rt.engine.client, { set: readMigrationSet(`${FIXTURES}/v0.1.0/migrations`) });
    const bin = path.join(dir, 'bin');
    fs.mkdirSync(bin);
    // The version the schema is at, asked over HTTP as anyone would.
    const schemaVersion = `node -e 'fetch(process.env.FRONT + "/?database=deployed", {method: "POST", headers: {"X-ClickHouse-User": process.env.FRONT_USER, "X-ClickHouse-Key": process.env.FRONT_PASSWORD}, body: "SELECT max(version) FROM schema_migrations FINAL"}).then(r => r.text()).then(t => process.stdout.write(t.trim()))'`;
    fs.writeFileSync(
      path.join(bin, 'aws'),
      `#!/usr/bin/env bash
echo "$1 $2" >> "${log}"
case "$1 $2" in
  "sts get-caller-identity") echo "arn:aws:iam::000000000000:user/deployer" ;;
  "lambda update-function-code")
    echo "schema at the code update: $(${schemaVersion})" >> "${log}"
    zip="$(printf '%s\\n' "$@" | sed -n 's#^fileb://##p')"
    node -e 'process.stdout.write(require("node:crypto").createHash("sha256").update(require("node:fs").readFileSync(process.argv[1])).digest("base64") + "\\t7\\n")' "$zip" ;;
  "lambda wait") ;;
  "lambda update-alias") echo "alias args: $*" >> "${log}"; echo "arn:aws:lambda:us-east-1:000000000000:function:f:live" ;;
  *) echo "unexpected aws $*" >&2; exit 1 ;;
esac
`,
      { mode: 0o755 },
    );
  }, 120_000);
  afterAll(async () => {
    await rt?.close();
    await front?.stop();
  });

  it('migrates before the code is replaced, and again after', () => {
    const run = spawnSync(
      'bash',
      [path.join(ROOT, 'deploy/deploy.sh'), '--deploy', 'xapi-etl-processor-test'],
      {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 300_000,
        env: {
          ...process.env,
          PATH: `${path.join(dir, 'bin')}:${process.env.PATH}`,
          CLICKHOUSE_HOST: front.url,
          CLICKHOUSE_USERNAME: front.user,
          CLICKHOUSE_PASSWORD: front.password,
          CLICKHOUSE_DATABASE: 'deployed',
          FRONT: front.url,
          FRONT_USER: front.user,
          FRONT_PASSWORD: front.password,
        },
      },
    );
    expect(run.status, run.stderr).toBe(0);
    const calls = fs.readFileSync(log, 'utf8').trim().split('\n');
    const latest = readMigrationSet().versioned.length;
    expect(calls).toEqual([
      'sts get-caller-identity',
      'lambda update-function-code',
      `schema at the code update: ${latest}`,
      'lambda wait',
      'lambda update-alias',
      // The triggers' alias moves to the version just published.
      'alias args: lambda update-alias --function-name xapi-etl-processor-test --name live --function-version 7 --output text --query AliasArn',
    ]);
    // Both runs of migrate, the second one after the code.
    expect(run.stderr).toMatch(
      /Migrating the schema of .* \(before the code\)[\s\S]*applied 0003_[\s\S]*Updating the code[\s\S]*Migrating the schema of .*\(after the code/,
    );
  });

  it('refuses to deploy without the ClickHouse to migrate, unless told to skip it', () => {
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${path.join(dir, 'bin')}:${process.env.PATH}` };
    delete env.CLICKHOUSE_HOST;
    const run = spawnSync('bash', [path.join(ROOT, 'deploy/deploy.sh'), '--deploy', 'fn'], {
      cwd: ROOT,
      encoding: 'utf8',
      env,
      timeout: 120_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/set CLICKHOUSE_HOST .* or pass --skip-migrate/);
  });
});
