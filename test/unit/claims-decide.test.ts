import { describe, expect, it } from 'vitest';
import { decide, deduplicationToken, type VersionState } from '../../src/ledger/claims.js';

type ClaimRow = VersionState['claims'][number];
const claim = (generation: number, over: Partial<ClaimRow> = {}): ClaimRow => ({
  generation,
  claimId: `c${generation}`,
  owner: 'lambda-request-1',
  queryId: `q${generation}`,
  leaseExpired: false,
  status: null,
  ...over,
});
const state = (claims: ClaimRow[], running = false): VersionState => ({ claims, running });

describe('who loads a file version (the claim decision)', () => {
  it('claims generation 1 of a version nobody claimed', () => {
    expect(decide(state([]), 'me', false)).toEqual({ kind: 'claim', generation: 1, earlier: [] });
  });

  it('skips a loaded version, and a forced reload claims the next generation, removing every earlier load', () => {
    const loaded = state([claim(1, { status: 'failed' }), claim(2, { status: 'loaded' })]);
    expect(decide(loaded, 'me', false)).toEqual({ kind: 'loaded' });
    expect(decide(loaded, 'me', true)).toEqual({ kind: 'claim', generation: 3, earlier: ['c1', 'c2'] });
  });

  it('retries a failed or superseded load as the next generation', () => {
    expect(decide(state([claim(1, { status: 'failed' })]), 'me', false)).toMatchObject({ generation: 2 });
    expect(decide(state([claim(1, { status: 'superseded' })]), 'me', false)).toMatchObject({ generation: 2 });
  });

  it('a failed load whose query still runs (the client timed out, the server did not) is left until it ends', () => {
    expect(decide(state([claim(1, { status: 'failed' })], true), 'me', false)).toEqual({
      kind: 'in_progress',
      by: 'lambda-request-1',
    });
    expect(decide(state([claim(1, { status: 'failed' })], true), 'me', true)).toMatchObject({
      kind: 'in_progress',
    });
  });

  it('leaves a load in progress alone, even when forced', () => {
    for (const status of [null, 'loading'] as const) {
      expect(decide(state([claim(1, { status })]), 'me', true)).toEqual({
        kind: 'in_progress',
        by: 'lambda-request-1',
      });
    }
  });

  it('takes over a load that died: after its lease, or at once by its own owner; never while its query runs', () => {
    const expired = state([claim(1, { status: 'loading', leaseExpired: true })]);
    expect(decide(expired, 'someone else', false)).toEqual({ kind: 'claim', generation: 2, earlier: ['c1'] });
    // A Lambda retry carries the request id of the attempt that crashed.
    const mine = state([claim(1, { status: 'loading', owner: 'lambda-request-1' })]);
    expect(decide(mine, 'lambda-request-1', false)).toMatchObject({ kind: 'claim', generation: 2 });
    const stillRunning = state([claim(1, { status: 'loading', leaseExpired: true })], true);
    expect(decide(stillRunning, 'lambda-request-1', false)).toMatchObject({ kind: 'in_progress' });
  });

  it('makes one deduplication token per version and generation', () => {
    const o = { kind: 's3' as const, bucket: 'b', key: 'k', etag: 'e', size: 1 };
    expect(deduplicationToken(o, 1)).toBe(deduplicationToken({ ...o, size: 2 }, 1));
    expect(deduplicationToken(o, 1)).not.toBe(deduplicationToken(o, 2));
    expect(deduplicationToken(o, 1)).not.toBe(deduplicationToken({ ...o, etag: 'f' }, 1));
  });
});
