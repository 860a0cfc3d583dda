/**
 * Turns a migration statement into what runs on the target: on one node, placeholders vanish; with
 * CLICKHOUSE_CLUSTER, DDL gets `ON CLUSTER` and every *MergeTree engine its Replicated* twin, so each
 * replica holds the data and every node can take part in s3Cluster() loads.
 *
 * Replicated engines are written without explicit ZooKeeper path/replica arguments: the server's
 * `default_replica_path` / `default_replica_name` (defaults `/clickhouse/tables/{uuid}/{shard}`, `{replica}`)
 * apply, which is what ClickHouse recommends with the Atomic database engine.
 */
export function renderStatement(sql: string, cluster?: string): string {
  const onCluster = cluster ? `ON CLUSTER ${quoteIdentifier(cluster)}` : '';
  let out = sql.replace(/[ \t]*\{\{on_cluster\}\}/g, onCluster ? ` ${onCluster}` : '');
  if (cluster) {
    out = out.replace(
      /ENGINE\s*=\s*(Replacing|Summing|Aggregating|Collapsing|VersionedCollapsing)?MergeTree\b(\s*\(([^)]*)\))?/g,
      (_m, kind: string | undefined, _args: string | undefined, inner: string | undefined) =>
        `ENGINE = Replicated${kind ?? ''}MergeTree${inner !== undefined && inner.trim() !== '' ? `(${inner})` : ''}`,
    );
  }
  return out;
}

function quoteIdentifier(name: string): string {
  return `\`${name.replace(/`/g, '')}\``;
}
