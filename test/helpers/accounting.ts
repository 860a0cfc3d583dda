import type { Harness } from './harness.js';

/**
 * Line accounting read back from ClickHouse, independent of what the loader reported: for one file
 * version, the statements and rejected lines that are really stored (FINAL: a reload or a duplicate
 * delivery collapses), the ledger's state, and the rejection reasons.
 */
export interface Accounting {
  statements: number;
  rejected: number;
  reasons: string[];
  ledger: { status: string; lines: number; statements: number; rejected: number; error: string } | undefined;
}

export async function accountFor(h: Harness, key: string, etag?: string): Promise<Accounting> {
  const params = { key, etag: etag ?? '', any_etag: etag === undefined };
  const version = 'source_key = {key:String} AND ({any_etag:Bool} OR source_etag = {etag:String})';
  const [row] = await h.query<{ statements: number; rejected: number; reasons: string[] }>(
    `SELECT (SELECT count() FROM statements FINAL WHERE ${version}) AS statements,
            (SELECT count() FROM rejected_statements FINAL WHERE ${version}) AS rejected,
            (SELECT groupArray(toString(reason)) FROM
               (SELECT reason FROM rejected_statements FINAL WHERE ${version} ORDER BY line_number)) AS reasons`,
    params,
  );
  const [ledger] = await h.query<{
    status: string;
    lines: number;
    statements: number;
    rejected: number;
    error: string;
  }>(
    `SELECT toString(status) AS status, lines, statements, rejected, error FROM ingested_files FINAL
     WHERE key = {key:String} AND ({any_etag:Bool} OR etag = {etag:String})
     ORDER BY updated_at DESC LIMIT 1`,
    params,
  );
  return {
    statements: Number(row?.statements ?? 0),
    rejected: Number(row?.rejected ?? 0),
    reasons: row?.reasons ?? [],
    ledger: ledger
      ? {
          status: ledger.status,
          lines: Number(ledger.lines),
          statements: Number(ledger.statements),
          rejected: Number(ledger.rejected),
          error: ledger.error,
        }
      : undefined,
  };
}

/** Lines as a reader of the file counts them: split on "\n", a final newline ends the last line. */
export function linesOf(body: string): number {
  if (body === '') return 0;
  return body.replace(/\n$/, '').split('\n').length;
}

/** Ledger rows per key that reached `loaded`, not collapsed: a version loaded twice shows 2. */
export async function loadedRowsPerKey(h: Harness, keyPrefix: string): Promise<Map<string, number>> {
  const rows = await h.query<{ key: string; n: number }>(
    `SELECT key, count() AS n FROM ingested_files
     WHERE status = 'loaded' AND startsWith(key, {prefix:String}) GROUP BY key`,
    { prefix: keyPrefix },
  );
  return new Map(rows.map((r) => [r.key, Number(r.n)]));
}
