import path from 'node:path';
import { loadConfig } from '../../config/env.js';
import { createHandler, type HandlerResult } from '../../lambda/create-handler.js';
import { localContext } from '../../lambda/local-context.js';
import { localTelemetry } from '../../lambda/local-telemetry.js';
import type { BulkModeResult, BulkProgress } from '../../modes/bulk.js';
import type { EventModeResult } from '../../modes/event.js';
import { parseKey } from '../../plan/key-layout.js';
import { createRuntime } from '../../runtime.js';
import { migrate } from '../../upgrade/migrate.js';
import { type Bundle, type GenerateOptions, generateBundles } from '../generate/bundles.js';
import { writeBundles } from '../generate/write-bundles.js';
import { startLocalS3 } from '../local-s3/local-s3.js';
import { writeReport } from '../report/write-report.js';
import { type DemoSummary, loadDemoSummary } from './demo-summary.js';
import { asAwsNotification } from './s3-notification.js';

export interface DemoOptions {
  /** The embedded engine's data directory (default XAPI_ETL_DATA_DIR or .xapi-etl); the demo S3 lives in it too. */
  dataDir?: string;
  reportPath?: string;
  generate?: GenerateOptions;
  log?: (line: string) => void;
}

export interface DemoResult {
  endpoint: string;
  bucket: string;
  uploaded: { history: number; live: number; statements: number; broken: number; voiding: number };
  /** One handler result per S3 notification (event mode). */
  events: EventModeResult[];
  dryRun: BulkModeResult;
  bulk: BulkModeResult;
  summary: DemoSummary;
  report: { file: string; charts: string[] };
  wallMs: number;
}

/**
 * A bucket name of its own: the ledger knows a file by bucket, key and ETag, and `generate` writes the same
 * keys and bytes, so with the name `xapi` the demo's files would count as already loaded in README's
 * "Using it on your data" (which uses bucket `xapi`) after a demo.
 */
const BUCKET = 'xapi-demo';
/** Uploads that arrive while the S3 → Lambda notification is on (each one is a handler invocation). */
const LIVE_BUNDLES = 2;
/** Every INSERT has a fixed cost of a few seconds on the embedded engine: few, large batches. */
const BACKFILL_BATCH_FILES = 10;

/**
 * The main job end to end, offline, on the embedded engine:
 *  1. a local S3 (s3rver) whose upload notifications invoke the Lambda handler in event mode;
 *  2. generated xAPI Video Profile bundles: history uploaded before the notification existed, then
 *     the latest day uploaded "live" (each upload → one handler invocation, as S3 → Lambda);
 *  3. a bulk backfill through the same handler: dry run, then for real, with progress;
 *  4. the summary from ClickHouse, and report.html.
 * Everything persists in the data directory: a second run loads nothing and says what it skipped.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const started = performance.now();
  const print = options.log ?? console.log;
  const log = (line: string) =>
    print(`[${((performance.now() - started) / 1000).toFixed(1).padStart(4)}s] ${line}`);
  const dataDir = path.resolve(options.dataDir ?? process.env.XAPI_ETL_DATA_DIR ?? '.xapi-etl');
  const s3 = await startLocalS3({ directory: path.join(dataDir, 'demo-s3') });
  log(`local S3 (s3rver) on ${s3.endpoint}, bucket "${BUCKET}"`);
  // s3rver's credentials reach ClickHouse's s3() the way the Lambda role's credentials would.
  process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
  process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
  const config = loadConfig({
    ...process.env,
    XAPI_ETL_DATA_DIR: dataDir,
    AWS_ENDPOINT_URL_S3: s3.endpoint,
    S3_XAPI_BUCKET_NAME: BUCKET,
    // Two batches, so that this small backfill shows progress (production default: 1000 files a batch).
    XAPI_BATCH_MAX_FILES: process.env.XAPI_BATCH_MAX_FILES ?? String(BACKFILL_BATCH_FILES),
  });
  const rt = await createRuntime(config, { migrateEmbedded: false });
  try {
    const migration = await migrate(rt.engine.client, { target: rt.engine.schema });
    log(`schema at version ${migration.latestVersion} (${migration.applied.length} migrations applied now)`);
    let lastProgress = '';
    const handler = createHandler({
      runtime: async () => rt,
      config: () => config,
      // The handler's JSON logs and EMF metrics are for CloudWatch; the demo prints its own lines.
      telemetry: localTelemetry({ level: 'warn' }),
      onBulkProgress: (p) => {
        const line = progressLine(p);
        if (line !== lastProgress) log(line);
        lastProgress = line;
      },
    });
    await s3.createBucket(BUCKET);

    const bundles = [...generateBundles(options.generate)];
    // The newest uploads arrive "live"; everything before them is history for the backfill.
    const byTime = [...bundles].sort((a, b) => fileName(a).localeCompare(fileName(b)));
    const live = byTime.slice(-LIVE_BUNDLES);
    const history = byTime.slice(0, -LIVE_BUNDLES);
    const counts = countLines(bundles);
    log(
      `generated ${bundles.length} bundles (seed ${options.generate?.seed ?? 42}): ${counts.statements} statements, ` +
        `${counts.voiding} voiding statements, ${counts.broken} broken lines`,
    );

    // 1. History: files that were in the bucket before the S3 → Lambda notification was configured.
    let notificationsOn = false;
    const events: EventModeResult[] = [];
    let invocations: Promise<unknown> = Promise.resolve();
    let notified = 0;
    s3.onObjectCreated((event) => {
      if (!notificationsOn) return;
      notified++;
      // One invocation at a time, in upload order (the embedded engine is one process).
      invocations = invocations.then(async () => {
        const result = (await handler(asAwsNotification(event), localContext())) as HandlerResult;
        events.push(result as EventModeResult);
        log(eventLine(result as EventModeResult));
      });
    });
    await writeBundles(history, `s3://${BUCKET}/`, s3.client);
    log(
      `uploaded ${history.length} historical bundles (before the notification existed: nothing loads them yet)`,
    );

    // 2. Live: each upload's notification invokes the handler in event mode.
    notificationsOn = true;
    log(`notification on: uploading the ${live.length} newest bundles, each upload invokes the handler`);
    await writeBundles(live, `s3://${BUCKET}/`, s3.client);
    await waitFor(() => notified >= live.length, 10_000);
    await invocations;
    notificationsOn = false;

    // 3. Backfill the history through the same handler: dry run first, then for real.
    const dates = bundles.map((b) => parseKey(b.key)?.date ?? '').sort();
    const sections = [...new Set(bundles.map((b) => b.sectionId))].sort();
    const payload = {
      mode: 'bulk',
      s3_bucket: BUCKET,
      section_id: sections,
      start_date: dates[0],
      end_date: dates.at(-1),
    };
    const dryRun = (await handler({ ...payload, dry_run: true }, localContext())) as BulkModeResult;
    log(
      `backfill dry run, sections ${sections.join(', ')}, ${payload.start_date}..${payload.end_date}: ${dryRun.planned.files} files ` +
        `(${kib(dryRun.planned.bytes)}) planned, ${dryRun.planned.already_loaded ?? 0} already loaded; nothing written`,
    );
    const bulk = (await handler(payload, localContext())) as BulkModeResult;
    log(
      `backfill: ${bulk.files_processed} files loaded, ${bulk.files_skipped} skipped (already loaded), ` +
        `${bulk.events_processed} statements, ${bulk.events_rejected} rejected`,
    );

    const summary = await loadDemoSummary(rt.engine.client);
    const report = await writeReport(rt.engine.client, options.reportPath ?? 'report.html', {
      source: `the demo's embedded ClickHouse (${dataDir})`,
    });
    return {
      endpoint: s3.endpoint,
      bucket: BUCKET,
      uploaded: { history: history.length, live: live.length, ...counts },
      events,
      dryRun,
      bulk,
      summary,
      report: { file: report.file, charts: report.charts },
      wallMs: Math.round(performance.now() - started),
    };
  } finally {
    await rt.close();
    await s3.close();
  }
}

function fileName(b: Bundle): string {
  return parseKey(b.key)?.fileName ?? b.key;
}

function countLines(bundles: Bundle[]) {
  const c = { statements: 0, broken: 0, voiding: 0 };
  for (const b of bundles) for (const l of b.lines) c[l.kind === 'statement' ? 'statements' : l.kind]++;
  return c;
}

function eventLine(r: EventModeResult): string {
  const f = r.files?.[0];
  if (!r.success || !f)
    return `  λ event mode: failed ${JSON.stringify((r as { error?: unknown }).error ?? r)}`;
  return `  λ event mode: ${f.key} → ${f.outcome}${f.outcome === 'loaded' ? ` (${f.statements} statements, ${f.rejected} rejected)` : ''}`;
}

function progressLine(p: BulkProgress): string {
  const pct = p.filesTotal > 0 ? Math.round((100 * p.filesDone) / p.filesTotal) : 100;
  return `  backfill ${String(pct).padStart(3)}%: ${p.filesDone}/${p.filesTotal} files (${p.filesSkipped} skipped), ${kib(p.bytesDone)} read, ${p.rowsDone} lines`;
}

function kib(bytes: number): string {
  return bytes >= 1024 * 1024 ? `${(bytes / 1024 / 1024).toFixed(1)} MiB` : `${Math.round(bytes / 1024)} KiB`;
}

async function waitFor(condition: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('the local S3 sent fewer upload notifications than uploads');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
