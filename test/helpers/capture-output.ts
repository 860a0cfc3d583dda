/**
 * Captures what the process writes to stdout and stderr (where Powertools prints JSON logs and EMF
 * metric blobs), so tests can assert on what CloudWatch would receive.
 */
export interface CapturedOutput {
  text(): string;
  /** Every line that parses as a JSON object. */
  json(): Record<string, unknown>[];
  /** CloudWatch EMF blobs (objects with an `_aws.CloudWatchMetrics` section). */
  emf(): Record<string, unknown>[];
  /** Powertools log lines (objects with `level` and `message`). */
  logs(): Record<string, unknown>[];
  clear(): void;
  restore(): void;
}

export function captureOutput(): CapturedOutput {
  const chunks: string[] = [];
  const originals = { out: process.stdout.write, err: process.stderr.write };
  const tap = (stream: NodeJS.WriteStream, original: typeof process.stdout.write) =>
    function write(this: unknown, chunk: unknown, ...rest: unknown[]): boolean {
      chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      // Swallowed unless XAPI_TEST_ECHO is set, to keep test output readable.
      if (!process.env.XAPI_TEST_ECHO) {
        const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
        callback?.();
        return true;
      }
      return (original as (...a: unknown[]) => boolean).call(stream, chunk, ...rest);
    };
  process.stdout.write = tap(process.stdout, originals.out) as typeof process.stdout.write;
  process.stderr.write = tap(process.stderr, originals.err) as typeof process.stderr.write;
  const json = () =>
    chunks
      .join('')
      .split('\n')
      .filter((l) => l.trim().startsWith('{'))
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  return {
    text: () => chunks.join(''),
    json,
    emf: () => json().filter((o) => typeof o._aws === 'object'),
    logs: () => json().filter((o) => 'level' in o && 'message' in o),
    clear: () => {
      chunks.length = 0;
    },
    restore: () => {
      process.stdout.write = originals.out;
      process.stderr.write = originals.err;
    },
  };
}

/** The dimension sets of an EMF blob. */
export function emfDimensions(blob: Record<string, unknown> | undefined): string[][] | undefined {
  const aws = blob?._aws as { CloudWatchMetrics?: { Dimensions: string[][] }[] } | undefined;
  return aws?.CloudWatchMetrics?.[0]?.Dimensions;
}
