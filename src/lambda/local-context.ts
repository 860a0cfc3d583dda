import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';

/**
 * A Lambda context for running the handler outside Lambda (CLI `invoke`, tests). Without a time limit
 * the remaining time is effectively unbounded, so a bulk run completes in one invocation.
 */
export function localContext(options: { requestId?: string; timeLimitMs?: number } = {}): Context {
  const deadline =
    options.timeLimitMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + options.timeLimitMs;
  const functionName = process.env.AWS_LAMBDA_FUNCTION_NAME ?? 'xapi-etl-local';
  return {
    callbackWaitsForEmptyEventLoop: false,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:local:000000000000:function:${functionName}`,
    memoryLimitInMB: '1024',
    awsRequestId: options.requestId ?? randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    getRemainingTimeInMillis: () => Math.max(0, Math.min(deadline - Date.now(), Number.MAX_SAFE_INTEGER)),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
