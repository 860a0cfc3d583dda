/**
 * A fresh Node process that imports the BUILT Lambda bundle and calls its handler once, as a Lambda
 * cold start does: how long the module takes to initialise, how long the first call takes, and the
 * process's peak memory (VmHWM: the whole life of the process, init included).
 * Plain JavaScript on purpose: no TypeScript loader in the measured process.
 * Usage: node bench/lambda/handler-probe.mjs BUNDLE.mjs 'PAYLOAD JSON'  → prints `RESULT {…}`.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import { pathToFileURL } from 'node:url';

const bootMs = performance.now(); // Node's own start-up, before this module ran
const [bundle, payloadJson] = process.argv.slice(2);
let peakHeap = 0;
const sampler = setInterval(() => {
  const m = process.memoryUsage();
  peakHeap = Math.max(peakHeap, m.heapUsed + m.external);
}, 10);

const t0 = performance.now();
const { handler } = await import(pathToFileURL(bundle).href);
const t1 = performance.now();
const rssAfterInit = process.memoryUsage.rss();
const context = {
  callbackWaitsForEmptyEventLoop: false,
  functionName: 'xapi-etl-bench',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:local:000000000000:function:xapi-etl-bench',
  memoryLimitInMB: '512',
  awsRequestId: randomUUID(),
  logGroupName: '/aws/lambda/xapi-etl-bench',
  logStreamName: 'bench',
  getRemainingTimeInMillis: () => 900_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
};
const result = await handler(JSON.parse(payloadJson), context);
const t2 = performance.now();
clearInterval(sampler);
const m = process.memoryUsage();
peakHeap = Math.max(peakHeap, m.heapUsed + m.external);
const hwmKb = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1];
const out = {
  bootMs,
  initMs: t1 - t0,
  firstCallMs: t2 - t1,
  rssAfterInitBytes: rssAfterInit,
  peakRssBytes: Number(hwmKb ?? 0) * 1024,
  peakHeapBytes: peakHeap,
  success: result?.success === true,
  files_processed: result?.files_processed,
  events_processed: result?.events_processed,
  events_rejected: result?.events_rejected,
  error: result?.success === true ? undefined : JSON.stringify(result).slice(0, 1000),
};
process.stdout.write(`RESULT ${JSON.stringify(out)}\n`);
process.exit(0);
