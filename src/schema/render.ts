/**
 * Turns a migration statement into what runs on the target.
 *
 * Type placeholders: the xAPI agent shape is read in many places of the parse views; it is written once,
 * here, so that a field added to it is added everywhere.
 *
 * Cluster: on one node `{{on_cluster}}` vanishes; with CLICKHOUSE_CLUSTER, DDL gets `ON CLUSTER` and every
 * *MergeTree engine its Replicated* twin, so each replica holds the data and every node can take part in
 * s3Cluster() loads. Replicated engines are written without explicit ZooKeeper path/replica arguments:
 * the server's `default_replica_path` / `default_replica_name` (defaults `/clickhouse/tables/{uuid}/{shard}`,
 * `{replica}`) apply, which is what ClickHouse recommends with the Atomic database engine.
 */
const MEMBER_TYPE =
  'Tuple(objectType Nullable(String), name Dynamic, mbox Nullable(String), mbox_sha1sum Nullable(String), ' +
  'openid Nullable(String), account Nullable(Tuple(homePage Nullable(String), name Dynamic)))';

/** An Agent or Group as JSONExtract reads it: identifiers, name, and a Group's members. */
const AGENT_TYPE =
  'Nullable(Tuple(objectType Nullable(String), name Dynamic, mbox Nullable(String), mbox_sha1sum Nullable(String), ' +
  `openid Nullable(String), account Nullable(Tuple(homePage Nullable(String), name Dynamic)), member Array(${MEMBER_TYPE})))`;

const TYPE_PLACEHOLDERS: Record<string, string> = {
  agent_type: AGENT_TYPE,
  member_type: MEMBER_TYPE,
};

export function renderStatement(sql: string, cluster?: string): string {
  const onCluster = cluster ? `ON CLUSTER ${quoteIdentifier(cluster)}` : '';
  let out = sql.replace(
    /\{\{(agent_type|member_type)\}\}/g,
    (_m, name: string) => TYPE_PLACEHOLDERS[name] as string,
  );
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
