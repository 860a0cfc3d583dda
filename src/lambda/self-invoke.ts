import type { Context } from 'aws-lambda';
import { XapiEtlError } from '../errors.js';

/** Hands a payload to a fresh invocation of this function. Injectable: tests run it in-process. */
export type Invoker = (payload: unknown, context: Context) => Promise<void>;

let client: import('@aws-sdk/client-lambda').LambdaClient | undefined;

/**
 * The Lambda's own continuation: an asynchronous (InvocationType "Event") invoke of the same function
 * (the ARN it was invoked as, so an alias stays an alias). Asynchronous invokes get Lambda's retries and
 * on-failure destination, like any other event.
 */
export const lambdaSelfInvoker: Invoker = async (payload, context) => {
  const { LambdaClient, InvokeCommand } = await import('@aws-sdk/client-lambda');
  client ??= new LambdaClient({});
  try {
    const out = await client.send(
      new InvokeCommand({
        FunctionName: context.invokedFunctionArn,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify(payload)),
      }),
    );
    if (out.StatusCode !== 202) throw new Error(`Lambda answered status ${out.StatusCode}`);
  } catch (cause) {
    throw new XapiEtlError(
      'CONTINUATION_FAILED',
      `Could not hand the rest of the backfill to a new invocation (lambda:InvokeFunction on ${context.invokedFunctionArn}): ${(cause as Error).message}`,
      { retryable: true, cause },
    );
  }
};
