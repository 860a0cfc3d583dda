import { createHash, randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { forEachLimited } from '../concurrency.js';
import { runningMarkers } from '../engine/running-queries.js';
import type { SourceObject } from '../plan/source-object.js';
import { versionId as id, VERSIONS, versionParams } from './file-version.js';

/**
 * Who loads a file version, decided by ClickHouse itself so that concurrent deliveries of the same S3
 * notification (at-least-once) load it once.
 *
 * A claim is a one-row INSERT into `file_claims` for (bucket, key, ETag, generation) with an
 * `insert_deduplication_token` made of exactly those four. Of concurrent claimants ClickHouse keeps one row:
 * the deduplication check and the commit of the part share one lock (on a replicated table, one Keeper
 * request), inside the table's deduplication window. A deduplicated INSERT still reports success, so every
 * claimant reads the row back: it won only if the row holds its own claim id. The winner loads with the
 * claim id as the load id of the file's rows; the others report the file `in_progress`.
 *
 * The embedded engine (chDB) is one process's: its data directory is locked to that process, so every
 * claimant is in it. There the process arbitrates under a lock of its own and writes a batch's claims in
 * one INSERT (one INSERT per file costs ~6 ms each on chDB, which runs one query at a time: 6 s for 1,000
 * files). A server takes the deduplicated INSERT per version, whoever the claimants are.
 *
 * Generations: 1 is the first load. A forced reload, a retry after a failure, and the takeover of a
 * crashed load are generation + 1: their rows replace the earlier loads' (their claim ids) by key, and the
 * earlier loads are superseded (src/cleanup/superseded.ts). A load is taken over only when its lease has run out
 * (or when the claimant is the one that made it: a Lambda retry carries its request id), and when none of
 * its queries is still running.
 */
export interface ClaimOwner {
  /** Who claims: a Lambda request id (kept by Lambda's own retries), or the CLI run. */
  owner: string;
  /** How long a claim protects a load from takeover. */
  leaseMs: number;
  /** Cluster name: running queries are looked for on every replica. */
  cluster?: string;
}

export interface Claim {
  object: SourceObject;
  generation: number;
  claimId: string;
  /** Names every query of this load (query id, log_comment): a takeover waits until none runs. */
  queryId: string;
  /** Claim ids of earlier loads of this version: superseded once this load's rows are in. */
  earlier: string[];
}

export type ClaimDecision =
  | { kind: 'claim'; generation: number; earlier: string[] }
  | { kind: 'loaded' }
  | { kind: 'in_progress'; by: string };

/** What is known of one version: its claims, and how each ended (the ledger row with that load id). */
export interface VersionState {
  claims: {
    generation: number;
    claimId: string;
    owner: string;
    queryId: string;
    leaseExpired: boolean;
    /** The ledger's status for this claim's load, if it wrote one. */
    status: 'loading' | 'loaded' | 'failed' | 'superseded' | null;
  }[];
  /** Queries of the latest claim still running somewhere. */
  running: boolean;
}

/**
 * The decision for one version, as a pure function of what ClickHouse holds (tested on its own):
 * skip what is loaded (unless forced), leave a live load alone, take over a dead one, reload otherwise.
 */
export function decide(state: VersionState, owner: string, force: boolean): ClaimDecision {
  const latest = state.claims.at(-1);
  const earlier = state.claims.map((c) => c.claimId);
  if (!latest) return { kind: 'claim', generation: 1, earlier };
  const next = { kind: 'claim' as const, generation: latest.generation + 1, earlier };
  if (latest.status === 'loaded') return force ? next : { kind: 'loaded' };
  // A load whose client gave up (a timeout) is `failed` while its INSERT may still run on the server: it is
  // retried only once none of its queries runs (else the retry's rows and the late ones would both land).
  if (state.running) return { kind: 'in_progress', by: latest.owner };
  if (latest.status === 'failed' || latest.status === 'superseded') return next;
  // Unfinished: a load that died.
  if (latest.leaseExpired || latest.owner === owner) return next;
  return { kind: 'in_progress', by: latest.owner };
}

export function deduplicationToken(o: SourceObject, generation: number): string {
  return createHash('sha256')
    .update(`${id(o)}\u0000${generation}`)
    .digest('hex');
}

/** Reads the claims of every version at once, and whether the latest one of each still runs. */
export async function readVersionStates(
  client: ClickHouseClient,
  objects: SourceObject[],
  cluster?: string,
): Promise<Map<string, VersionState>> {
  const states = new Map<string, VersionState>(objects.map((o) => [id(o), { claims: [], running: false }]));
  if (objects.length === 0) return states;
  const rs = await client.query({
    query: `
      SELECT c.bucket AS bucket, c.key AS key, c.etag AS etag, c.generation AS generation,
             toString(c.claim_id) AS claim_id, c.owner AS owner, c.query_id AS query_id,
             c.lease_until < now64(3) AS lease_expired, toString(f.status) AS status
      FROM file_claims AS c
      LEFT JOIN (SELECT load_id, status FROM ingested_files FINAL
                 WHERE (bucket, key, etag) IN ${VERSIONS})
             AS f ON f.load_id = c.claim_id
      WHERE (c.bucket, c.key, c.etag) IN
            ${VERSIONS}
      ORDER BY bucket, key, etag, generation`,
    query_params: versionParams(objects),
    format: 'JSONEachRow',
    // Both sides sharded by key: each shard joins its own rows (distributed_product_mode 'deny' refuses it).
    clickhouse_settings: {
      join_use_nulls: 1,
      distributed_product_mode: 'local',
      ...consistentReads(cluster),
    },
  });
  const rows = await rs.json<{
    bucket: string;
    key: string;
    etag: string;
    generation: number | string;
    claim_id: string;
    owner: string;
    query_id: string;
    lease_expired: number | boolean;
    status: string | null;
  }>();
  for (const r of rows) {
    states.get(id(r))?.claims.push({
      generation: Number(r.generation),
      claimId: r.claim_id,
      owner: r.owner,
      queryId: r.query_id,
      leaseExpired: Boolean(Number(r.lease_expired)),
      status: (r.status || null) as VersionState['claims'][number]['status'],
    });
  }
  const unfinished = [...states.values()]
    .map((s) => s.claims.at(-1))
    .filter((c) => c !== undefined && c.status !== 'loaded');
  if (unfinished.length > 0) {
    const running = await runningMarkers(
      client,
      unfinished.map((c) => c?.queryId as string),
      cluster,
    );
    for (const s of states.values()) {
      const latest = s.claims.at(-1);
      s.running = latest !== undefined && running.has(latest.queryId);
    }
  }
  return states;
}

export interface BatchClaims {
  claims: Claim[];
  /** Loaded already (and not forced). */
  loaded: SourceObject[];
  /** Held by another load. */
  inProgress: SourceObject[];
  /**
   * Held by an earlier attempt of this same owner (a Lambda retry keeps the request id) whose query still runs:
   * not "someone else's" — the caller retries it rather than counting it done.
   */
  heldByOwner: SourceObject[];
}

export interface ClaimTarget {
  client: ClickHouseClient;
  /**
   * The embedded engine: every claimant is in this process (chDB holds its data directory for one process), so
   * the process arbitrates, under a lock per `scope`, and writes its claims in one INSERT. A server takes a
   * deduplicated INSERT per version (claimVersions).
   */
  inProcess?: { scope: string };
}

/**
 * The claims of one batch, decided from what ClickHouse holds just before (a decision made earlier, at the
 * start of a long run, could be stale by now): skip what is loaded, leave what another load holds, claim
 * the rest and keep what this owner won.
 */
export async function claimBatch(
  target: ClaimTarget,
  objects: SourceObject[],
  owner: ClaimOwner,
  queryId: string,
  force: boolean,
): Promise<BatchClaims> {
  const decideAndClaim = async (): Promise<BatchClaims> => {
    const states = await readVersionStates(target.client, objects, owner.cluster);
    const out: BatchClaims = { claims: [], loaded: [], inProgress: [], heldByOwner: [] };
    const wanted: Wanted[] = [];
    for (const object of objects) {
      const d = decide(states.get(id(object)) ?? { claims: [], running: false }, owner.owner, force);
      if (d.kind === 'loaded') out.loaded.push(object);
      else if (d.kind === 'in_progress')
        (d.by === owner.owner ? out.heldByOwner : out.inProgress).push(object);
      else wanted.push({ object, generation: d.generation, earlier: d.earlier });
    }
    if (target.inProcess) {
      const mine = newClaims(wanted, owner, queryId);
      await insertClaims(target.client, mine);
      out.claims = mine.map((c) => toClaim(c, queryId));
    } else out.claims = await claimVersions(target.client, wanted, owner, queryId);
    const won = new Set(out.claims.map((c) => c.object));
    out.inProgress.push(...wanted.filter((w) => !won.has(w.object)).map((w) => w.object));
    return out;
  };
  return target.inProcess ? withLock(target.inProcess.scope, decideAndClaim) : decideAndClaim();
}

/** One lock per scope (data directory and database) in this process: claim sections run one at a time. */
const locks = new Map<string, Promise<unknown>>();

async function withLock<T>(scope: string, fn: () => Promise<T>): Promise<T> {
  const before = locks.get(scope) ?? Promise.resolve();
  const run = before.then(fn, fn);
  const settled = run.catch(() => undefined);
  locks.set(scope, settled);
  try {
    return await run;
  } finally {
    if (locks.get(scope) === settled) locks.delete(scope);
  }
}

/** Writes claims this process has already arbitrated (under its lock): one INSERT, every one won. */
async function insertClaims(client: ClickHouseClient, mine: NewClaim[]): Promise<void> {
  if (mine.length === 0) return;
  await client.insert({
    table: 'file_claims',
    format: 'JSONEachRow',
    values: mine.map((c) => c.row),
    clickhouse_settings: { date_time_input_format: 'best_effort' },
  });
}

type Wanted = { object: SourceObject; generation: number; earlier: string[] };

function toClaim(c: Wanted & { claimId: string }, queryId: string): Claim {
  return { object: c.object, generation: c.generation, claimId: c.claimId, queryId, earlier: c.earlier };
}

type NewClaim = Wanted & { claimId: string; row: ReturnType<typeof claimRow> };

/** Each wanted version with a new claim id and its file_claims row, all stamped with one time. */
function newClaims(wanted: Wanted[], owner: ClaimOwner, queryId: string): NewClaim[] {
  const now = Date.now();
  return wanted.map((w) => {
    const claimId = randomUUID();
    return { ...w, claimId, row: claimRow(w, claimId, owner, queryId, now) };
  });
}

function claimRow(c: Wanted, claimId: string, owner: ClaimOwner, queryId: string, now: number) {
  return {
    bucket: c.object.bucket,
    key: c.object.key,
    etag: c.object.etag,
    generation: c.generation,
    claim_id: claimId,
    owner: owner.owner,
    query_id: queryId,
    claimed_at: new Date(now).toISOString(),
    lease_until: new Date(now + owner.leaseMs).toISOString(),
  };
}

/**
 * Claims each version in its own INSERT (a deduplication token covers one INSERT; one INSERT of many rows
 * would be deduplicated by block position, which a batch of other files would not match), then reads
 * every claim back. Returns the claims this owner won.
 */
export async function claimVersions(
  client: ClickHouseClient,
  wanted: Wanted[],
  owner: ClaimOwner,
  queryId: string,
): Promise<Claim[]> {
  if (wanted.length === 0) return [];
  const mine = newClaims(wanted, owner, queryId);
  await forEachLimited(mine, 16, (c) =>
    client.insert({
      table: 'file_claims',
      format: 'JSONEachRow',
      values: [c.row],
      clickhouse_settings: {
        // The token must reach the table's deduplication: never through the async insert buffer, which
        // skips it unless async_insert_deduplicate is on (a profile with async_insert = 1, common on Cloud).
        async_insert: 0,
        insert_deduplicate: 1,
        insert_deduplication_token: deduplicationToken(c.object, c.generation),
        date_time_input_format: 'best_effort',
      },
    }),
  );
  // By the key prefix (bucket, key, ETag): file_claims grows forever, claim_id is in no index.
  const rs = await client.query({
    query: `SELECT toString(claim_id) AS landed FROM file_claims
            WHERE (bucket, key, etag) IN
                  ${VERSIONS}
              AND claim_id IN {ids:Array(UUID)}`,
    query_params: { ...versionParams(mine.map((c) => c.object)), ids: mine.map((c) => c.claimId) },
    format: 'JSONEachRow',
    clickhouse_settings: consistentReads(owner.cluster),
  });
  const landed = new Set((await rs.json<{ landed: string }>()).map((r) => r.landed));
  return mine.filter((c) => landed.has(c.claimId)).map((c) => toClaim(c, queryId));
}

/** On a replicated table, read what every acknowledged INSERT wrote (not a replica that lags). */
function consistentReads(cluster?: string): Record<string, number> {
  return cluster ? { select_sequential_consistency: 1 } : {};
}
