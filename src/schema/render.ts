import { typePlaceholders } from './parse-views/types.js';

/**
 * Turns a migration statement into what runs on the target.
 *
 * Type placeholders: the parse views (0002) read the Agent or Group shape in many places; it is written once,
 * in src/schema/parse-views/types.ts (built from the model of the specification), and expanded here:
 * {{agent_tuple}}, {{member_tuple}}, and {{agent_type}} / {{member_type}} (a nullable Agent or Group, and a
 * Group member), so that a field added to it is added everywhere.
 *
 * Cluster: on one node `{{on_cluster}}` vanishes; with CLICKHOUSE_CLUSTER, DDL gets `ON CLUSTER` and every
 * *MergeTree engine its Replicated* twin, so each replica holds the data and every node can take part in
 * s3Cluster() loads. Replicated engines are written without explicit ZooKeeper path/replica arguments:
 * the server's `default_replica_path` / `default_replica_name` (defaults `/clickhouse/tables/{uuid}/{shard}`,
 * `{replica}`) apply, which is what ClickHouse recommends with the Atomic database engine.
 */
const TYPE_PLACEHOLDERS: Record<string, string> = typePlaceholders();

export function renderStatement(sql: string, cluster?: string): string {
  const onCluster = cluster ? `ON CLUSTER ${quoteIdentifier(cluster)}` : '';
  let out = sql.replace(/\{\{([a-z_]+)\}\}/g, (m, name: string) => TYPE_PLACEHOLDERS[name] ?? m);
  out = out.replace(/[ \t]*\{\{on_cluster\}\}/g, onCluster ? ` ${onCluster}` : '');
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
