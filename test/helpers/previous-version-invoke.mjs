// Runs the Lambda handler of a released xapi-etl bundle (its own index.mjs, with its own migrations beside it) on
// payloads, in a process of its own, and prints each result as a JSON line. The environment says where it loads
// (embedded data directory or CLICKHOUSE_HOST) and where S3 is. Used by test/helpers/previous-version.ts.
//   node previous-version-invoke.mjs BUNDLE_DIR PAYLOADS.json
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [bundleDir, payloadsFile] = process.argv.slice(2);
const payloads = JSON.parse(fs.readFileSync(payloadsFile, 'utf8'));
const { handler } = await import(pathToFileURL(path.join(bundleDir, 'index.mjs')).href);
let n = 0;
for (const payload of payloads) {
  const deadline = Date.now() + 900_000;
  const context = {
    awsRequestId: `previous-version-${process.pid}-${++n}`,
    functionName: 'xapi-etl-processor-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:xapi-etl-processor-test',
    memoryLimitInMB: '1024',
    logGroupName: '/aws/lambda/xapi-etl-processor-test',
    logStreamName: 'test',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => deadline - Date.now(),
    done() {},
    fail() {},
    succeed() {},
  };
  try {
    const result = await handler(payload, context);
    process.stdout.write(`RESULT ${JSON.stringify(result)}\n`);
  } catch (error) {
    process.stdout.write(`RESULT ${JSON.stringify({ thrown: String(error?.message ?? error) })}\n`);
  }
}
process.exit(0);
