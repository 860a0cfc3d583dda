import type { ClickHouseClient } from '@clickhouse/client';
import type { Engine } from './create-engine.js';

/**
 * A running query seen from outside: ClickHouse counts what each query has read so far in
 * system.processes, which a second connection can ask while the query runs (the embedded engine too:
 * see Engine.monitor). A load names its query by its load id: the server's query_id, and the text of the
 * query (chDB keeps its own query ids, but fills the load id into the text it shows).
 */
export interface QueryProgress {
  /** Bytes read from the sources so far: S3 objects, or local files (as stored, so compressed). */
  sourceBytes: number;
  /** Rows read by the query and its views so far (a view re-reads what the query inserts). */
  rows: number;
  elapsedMs: number;
}

/**
 * The marker is written into these queries as a literal, not a query parameter: chDB runs a
 * parameterised query only after the running INSERT ends (measured: a progress poll with a parameter
 * waited 1 s for the whole load, without one it answered in 24 ms), which would defeat watching and
 * stopping it. So the marker must be one of ours: letters, digits, spaces and dashes only (a UUID).
 */
function literal(marker: string): string {
  if (!/^[A-Za-z0-9 -]{1,100}$/.test(marker))
    throw new Error(`not a query marker: ${JSON.stringify(marker)}`);
  return `'${marker}'`;
}

function matching(marker: string): string {
  const m = literal(marker);
  return (
    `(query_id = ${m} OR initial_query_id = ${m} OR Settings['log_comment'] = ${m} OR position(query, ${m}) > 0)` +
    ' AND query_id != queryID()'
  );
}

/**
 * The markers, among `markers`, that name a query still running (on any replica of `cluster`): a takeover
 * waits until none of a dead load's queries runs. Markers are literals (see above); one that is not ours
 * is left out. Cluster names were validated with the configuration.
 */
export async function runningMarkers(
  client: ClickHouseClient,
  markers: string[],
  cluster?: string,
): Promise<Set<string>> {
  const ours = markers.filter((m) => /^[A-Za-z0-9 -]{1,100}$/.test(m));
  if (ours.length === 0) return new Set();
  const processes = cluster ? `clusterAllReplicas('${cluster}', system.processes)` : 'system.processes';
  const rs = await client.query({
    query: `SELECT DISTINCT marker FROM ${processes} ARRAY JOIN [${ours.map(literal).join(', ')}] AS marker
            WHERE (query_id = marker OR initial_query_id = marker OR Settings['log_comment'] = marker
                   OR position(query, marker) > 0) AND query_id != queryID()`,
    format: 'JSONEachRow',
  });
  return new Set((await rs.json<{ marker: string }>()).map((r) => r.marker));
}

export interface QueryWatch {
  /** Stops polling; resolves when the last poll has finished. */
  stop(): Promise<void>;
}

/** Polls the query's progress every `intervalMs` until stopped. Progress is best effort: a failed poll is skipped. */
export function watchQuery(
  engine: Engine,
  marker: string,
  onProgress: (p: QueryProgress) => void,
  intervalMs = 500,
): QueryWatch {
  const sql = `
SELECT sum(ProfileEvents['ReadBufferFromS3Bytes'] + ProfileEvents['ReadBufferFromFileDescriptorReadBytes']) AS source_bytes,
       sum(read_rows) AS rows, max(elapsed) AS elapsed, count() AS running
FROM system.processes
WHERE ${matching(marker)}`;
  let stopped = false;
  let last = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const poll = async () => {
    try {
      const client = await engine.monitor();
      if (stopped) return;
      const rs = await client.query({ query: sql, format: 'JSONEachRow' });
      const [row] = await rs.json<{ source_bytes: string; rows: string; elapsed: number; running: string }>();
      if (!stopped && row && Number(row.running) > 0) {
        onProgress({
          sourceBytes: Number(row.source_bytes),
          rows: Number(row.rows),
          elapsedMs: Math.round(Number(row.elapsed) * 1000),
        });
      }
    } catch {
      // The engine is busy or the query just ended: the next poll (or the batch's end) reports.
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      last = poll().then(schedule);
    }, intervalMs);
  };
  schedule();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await last;
    },
  };
}

/**
 * Stops the queries carrying `marker` (Ctrl-C, a health check out of time). ASYNC: ClickHouse cancels
 * them at their next check, and the query's own caller sees "cancelled". Best effort, never throws.
 */
export async function stopQueries(engine: Engine, marker: string): Promise<void> {
  try {
    const client = await engine.monitor();
    await client.command({ query: `KILL QUERY WHERE ${matching(marker)} ASYNC` });
  } catch {
    // Nothing to stop, or the engine is gone.
  }
}

/**
 * Waits until no load that started before `when` is running (on any replica of `cluster`): a pause of loads or
 * an erasure takes effect for loads that start after it, and those already running finish with what they read
 * at their start. Throws after `timeoutMs` (a Lambda load runs at most 15 minutes).
 */
export async function waitForLoadsStartedBefore(
  client: ClickHouseClient,
  when: Date,
  options: { cluster?: string; timeoutMs: number; say?: (message: string) => void },
): Promise<void> {
  const processes = options.cluster
    ? `clusterAllReplicas('${options.cluster}', system.processes)`
    : 'system.processes';
  const deadline = Date.now() + options.timeoutMs;
  let told = false;
  for (;;) {
    const rs = await client.query({
      query: `SELECT count() AS n FROM ${processes}
              WHERE query_kind = 'Insert' AND current_database = currentDatabase()
                AND match(query, '(?i)^\\s*INSERT\\s+INTO\\s+ingest_lines_') AND query_id != queryID()
                AND elapsed >= {age:Float64}`,
      // Started before \`when\`: running for longer than the time since (system.processes has no start time).
      query_params: { age: Math.max(0, (Date.now() - when.getTime()) / 1000) },
      format: 'JSONEachRow',
    });
    const [row] = await rs.json<{ n: string | number }>();
    const running = Number(row?.n ?? 0);
    if (running === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `${running} load(s) that started before are still running after ${options.timeoutMs} ms`,
      );
    if (!told) options.say?.(`waiting for ${running} load(s) already running to finish`);
    told = true;
    await new Promise((r) => setTimeout(r, 1000));
  }
}
