#!/usr/bin/env node
/**
 * Runs the BUILT Lambda package (the zip's own index.mjs, extracted — not src/) on every payload in
 * examples/, against the embedded engine (chDB, loaded from node_modules at run time exactly as the
 * bundle's lazy import does) and a local S3 (s3rver). Called by `deploy/deploy.sh --test`.
 *
 *   node deploy/test-bundle.mjs [path/to/xapi-etl-processor-<sha>.zip]
 *
 * What it proves: the zip loads on Node, finds its migrations, detects every payload shape, and loads
 * every uploaded bundle exactly once with nothing dropped (loaded + rejected = lines in the files).
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { extractZip, readZip } from '../scripts/read-zip.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_BUCKET = 'xapi';
const say = (line) => process.stderr.write(`${line}\n`);

// The AWS SDK's notice that its 2027 releases need Node 22 is noise here (the Lambda runs Node 24).
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main() {
  const zipPath = path.resolve(process.argv[2] ?? artifactZip());
  const entries = await readZip(zipPath);
  const bad = entries.filter((e) => /chdb|s3rver|node_modules/i.test(e.name));
  if (bad.length) throw new Error(`the zip holds what it must not: ${bad.map((e) => e.name).join(', ')}`);

  // Extracted under build/ so that `import('chdb/connection')` resolves from the project's node_modules,
  // two levels below the root so that the migrations can only come from the zip (./migrations).
  const bundleDir = await extractZip(
    zipPath,
    path.join(ROOT, 'build/bundle-test', path.basename(zipPath, '.zip')),
  );
  if (!fs.existsSync(path.join(bundleDir, 'migrations')))
    throw new Error('the zip has no migrations/ folder');
  say(
    `bundle: ${path.relative(ROOT, zipPath)} (${fs.statSync(zipPath).size} bytes) → ${path.relative(ROOT, bundleDir)}`,
  );

  // The local S3 is development tooling (src/tools/), compiled to dist/ by `npm run build`.
  const localS3Js = path.join(ROOT, 'dist/tools/local-s3/local-s3.js');
  if (!fs.existsSync(localS3Js))
    throw new Error(
      `${path.relative(ROOT, localS3Js)} is missing: run \`npm run build\` first (deploy.sh --test does)`,
    );
  const { startLocalS3 } = await import(pathToFileURL(localS3Js).href);
  const s3 = await startLocalS3();
  try {
    const examples = readExamples();
    const uploads = plannedUploads(examples);
    for (const bucket of new Set(uploads.map((u) => u.bucket))) await s3.createBucket(bucket);
    let lines = 0;
    for (const u of uploads) {
      const body = bundleFor(u.key);
      lines += body.lines;
      await s3.put(u.bucket, u.key, body.text);
    }
    say(`local S3: ${s3.endpoint}, ${uploads.length} bundles uploaded (${lines} lines)`);

    const env = {
      XAPI_ETL_DATA_DIR: fs.mkdtempSync(path.join(os.tmpdir(), 'xapi-etl-bundle-test-')),
      CLICKHOUSE_DATABASE: 'xapi_bundle_test',
      AWS_ENDPOINT_URL_S3: s3.endpoint,
      S3_XAPI_BUCKET_NAME: DEFAULT_BUCKET,
      AWS_ACCESS_KEY_ID: s3.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3.credentials.secretAccessKey,
      AWS_REGION: 'us-east-1',
      AWS_EC2_METADATA_DISABLED: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
      POWERTOOLS_METRICS_DISABLED: process.env.POWERTOOLS_METRICS_DISABLED ?? 'true',
    };
    // No CLICKHOUSE_HOST → the embedded engine; no AWS_LAMBDA_FUNCTION_NAME → not refused as "in Lambda".
    delete process.env.CLICKHOUSE_HOST;
    delete process.env.AWS_LAMBDA_FUNCTION_NAME;
    delete process.env.AWS_PROFILE;
    Object.assign(process.env, env);

    // Migrate in another process (chDB allows one process per data directory; it exits before we open it).
    const migrate = spawnSync(process.execPath, [path.join(ROOT, 'bin/xapi-etl.js'), 'migrate'], {
      env: process.env,
      encoding: 'utf8',
    });
    if (migrate.status !== 0) throw new Error(`xapi-etl migrate failed:\n${migrate.stderr}${migrate.stdout}`);
    say('schema: migrated with `xapi-etl migrate`');

    const { handler } = await import(pathToFileURL(path.join(bundleDir, 'index.mjs')).href);
    if (typeof handler !== 'function') throw new Error('the bundle does not export `handler`');

    const failures = [];
    const totals = { files: 0, lines: 0 };
    for (const example of examples) {
      const result = await handler(example.payload, lambdaContext(example.name));
      const counted = (result.events_processed ?? 0) + (result.events_rejected ?? 0);
      say(
        `${result.success ? 'ok  ' : 'FAIL'} ${example.name.padEnd(28)} mode=${result.processing_mode} ` +
          `files=${result.files_processed}/${result.files_skipped} skipped ` +
          `events=${result.events_processed} video=${result.video_events_processed} rejected=${result.events_rejected}` +
          (result.dry_run ? ` planned=${result.planned?.files}` : ''),
      );
      if (result.success !== true)
        failures.push(`${example.name}: ${JSON.stringify(result.error ?? result.reasons ?? result)}`);
      if (result.dry_run && result.files_processed !== 0)
        failures.push(`${example.name}: a dry run loaded files`);
      if (result.dry_run && !(result.planned?.files > 0))
        failures.push(`${example.name}: a dry run planned no file`);
      totals.files += result.files_processed ?? 0;
      totals.lines += counted;
    }

    // Every uploaded bundle loaded exactly once, nothing dropped.
    if (totals.files !== uploads.length)
      failures.push(
        `files loaded: ${totals.files}, uploaded: ${uploads.length} (each must load exactly once)`,
      );
    if (totals.lines !== lines)
      failures.push(`statements loaded + rejected: ${totals.lines}, lines uploaded: ${lines}`);

    // The same event again is skipped by the ledger (idempotent retries).
    const replay = examples.find((e) => e.kind === 'event');
    if (replay) {
      const again = await handler(replay.payload, lambdaContext(`${replay.name}-again`));
      say(
        `ok   ${`${replay.name} (again)`.padEnd(28)} files=${again.files_processed}/${again.files_skipped} skipped`,
      );
      if (!again.success || again.files_processed !== 0 || again.files_skipped < 1)
        failures.push(
          `${replay.name} replayed: expected the ledger to skip it, got ${JSON.stringify(again)}`,
        );
    }

    if (failures.length) {
      say(`\nbundle test FAILED:\n  ${failures.join('\n  ')}`);
      return 1;
    }
    say(
      `\nbundle test passed: ${examples.length} examples, ${uploads.length} files, ${lines} lines accounted for`,
    );
    return 0;
  } finally {
    await s3.close();
  }
}

function artifactZip() {
  const file = path.join(ROOT, 'build/lambda-artifact.json');
  if (!fs.existsSync(file)) throw new Error('no build yet: run `npm run build:lambda` (or deploy/deploy.sh)');
  return path.join(ROOT, JSON.parse(fs.readFileSync(file, 'utf8')).zip);
}

const MODE_ORDER = { health: 0, event: 1, bulk: 2, 'bulk-dry-run': 3 };

/** examples/*.json, health first, then events, then backfills (so each file is loaded by one of them). */
function readExamples() {
  const dir = path.join(ROOT, 'examples');
  const files = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => f.endsWith('.json')) : [];
  if (files.length === 0) throw new Error('no example payloads in examples/');
  return files
    .map((file) => {
      const payload = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
      return { name: path.basename(file, '.json'), payload, kind: kindOf(payload) };
    })
    .sort((a, b) => MODE_ORDER[a.kind] - MODE_ORDER[b.kind] || a.name.localeCompare(b.name));
}

function kindOf(p) {
  if (p.health_check === true) return 'health';
  if (p.mode === 'bulk' || ('section_id' in p && !('Records' in p) && !('key' in p)))
    return p.dry_run ? 'bulk-dry-run' : 'bulk';
  return 'event';
}

/**
 * The objects each example names, as S3 stores them (notification keys are URL-encoded, `+` is a
 * space), plus one bundle inside each loading backfill's range, so that every mode has work to do.
 */
function plannedUploads(examples) {
  const out = new Map();
  const add = (bucket, key) => out.set(`${bucket}/${key}`, { bucket, key });
  const fromEvent = (p) => {
    if (typeof p.bucket === 'string' && typeof p.key === 'string') add(p.bucket, p.key);
    if (p.detail?.bucket?.name && p.detail?.object?.key)
      add(p.detail.bucket.name, decodeKey(p.detail.object.key));
    for (const r of p.Records ?? []) {
      if (r.s3?.bucket?.name && r.s3?.object?.key) add(r.s3.bucket.name, decodeKey(r.s3.object.key));
      if (typeof r.body === 'string') {
        try {
          fromEvent(JSON.parse(r.body));
        } catch {
          // not JSON: the handler reports it
        }
      }
    }
  };
  for (const e of examples) {
    if (e.kind === 'event') fromEvent(e.payload);
    if (e.kind === 'bulk') {
      for (const section of [e.payload.section_id].flat()) {
        const prefix = e.payload.s3_prefix ?? 'section/';
        add(
          e.payload.s3_bucket ?? DEFAULT_BUCKET,
          `${prefix}${section}/video/${e.payload.start_date}T23-59-59.000Z_bundle.jsonl`,
        );
      }
    }
  }
  return [...out.values()];
}

const decodeKey = (key) => decodeURIComponent(key.replace(/\+/g, ' '));

/** A few valid xAPI video statements (fresh ids per file) and one broken line that must be rejected. */
function bundleFor(key) {
  const [, section = 'unknown'] = /section\/([^/]+)\//.exec(key) ?? [];
  const lines = ['initialized', 'played', 'paused', 'completed'].map((verb, i) =>
    JSON.stringify({
      id: randomUUID(),
      actor: { objectType: 'Agent', account: { homePage: 'https://lms.example.org', name: `learner-${i}` } },
      verb: {
        id:
          verb === 'played' || verb === 'paused'
            ? `https://w3id.org/xapi/video/verbs/${verb}`
            : `http://adlnet.gov/expapi/verbs/${verb}`,
        display: { 'en-US': verb },
      },
      object: {
        objectType: 'Activity',
        id: `https://example.org/section/${section}/videos/intro`,
        definition: { type: 'https://w3id.org/xapi/video/activity-type/video' },
      },
      result:
        verb === 'initialized'
          ? undefined
          : { extensions: { 'https://w3id.org/xapi/video/extensions/time': i * 10 } },
      context: {
        contextActivities: { category: [{ id: 'https://w3id.org/xapi/video' }] },
        extensions: { 'https://w3id.org/xapi/video/extensions/session-id': randomUUID() },
      },
      timestamp: new Date(Date.UTC(2024, 0, 1, 12, 0, i)).toISOString(),
    }),
  );
  lines.push('{"actor": this line is broken on purpose');
  return { text: `${lines.join('\n')}\n`, lines: lines.length };
}

function lambdaContext(name) {
  const deadline = Date.now() + 15 * 60 * 1000;
  return {
    awsRequestId: `bundle-test-${name}-${randomUUID()}`,
    functionName: 'xapi-etl-processor-local',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:xapi-etl-processor-local',
    memoryLimitInMB: '512',
    logGroupName: '/aws/lambda/xapi-etl-processor-local',
    logStreamName: 'bundle-test',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done() {},
    fail() {},
    succeed() {},
  };
}

main()
  .then((code) => process.exit(code))
  .catch((error) => {
    say(`bundle test FAILED: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
