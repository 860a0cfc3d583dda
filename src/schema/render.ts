import { typePlaceholders } from './parse-views/types.js';
import { sqlIdentifier, sqlString } from './sql-literal.js';

/**
 * Turns a migration statement into what runs on the target: one node, a replicated cluster (ClickHouse
 * Cloud is one shard with many replicas), or a cluster of several shards.
 *
 * Type placeholders: the parse views (0002) read the Agent or Group shape in many places; it is written once,
 * in src/schema/parse-views/types.ts (built from the model of the specification), and expanded here:
 * {{agent_tuple}}, {{member_tuple}}, and {{agent_type}} / {{member_type}} (a nullable Agent or Group, and a
 * Group member), so that a field added to it is added everywhere.
 *
 * Cluster (CLICKHOUSE_CLUSTER): DDL gets `ON CLUSTER` and every *MergeTree engine its Replicated* twin, so
 * each replica holds the data and every node can take part in s3Cluster() loads. Replicated engines are
 * written without ZooKeeper path/replica arguments: the server's `default_replica_path` /
 * `default_replica_name` (`/clickhouse/tables/{uuid}/{shard}`, `{replica}`) apply, as ClickHouse recommends
 * with the Atomic database engine.
 *
 * `{{local NAME}}` names the table that holds a `{{shard_by}}` table's rows: `NAME_local` when sharded, else NAME
 * (for ALTER and EXCHANGE, which a Distributed table does not take).
 *
 * Shards (CLICKHOUSE_SHARDED): a table marked `{{shard_by EXPR}}` becomes `<name>_local` on every node, and
 * `<name>` a Distributed table over it that sends each row to the shard EXPR picks. Every name queries and
 * materialized views use is unchanged, so rows reach their shard by section (EXPR) and reads fan out.
 * Statements and the analytics of a section live on one shard: dedup, voiding and refreshes stay local.
 * Every view joins tables sharded by the same key (the section), so its subqueries run shard-local
 * (`distributed_product_mode = 'local'`): nothing is shipped between shards. Distributed tables name their
 * database literally (`AS db.x_local`, `Distributed(…, 'db', …)`): on a remote host an unqualified name, or
 * currentDatabase(), may resolve to another database. DDL on a cluster runs ON CLUSTER whenever the schema is
 * sharded, replicated or not, so that every shard gets its `_local` tables.
 *
 * ClickHouse Cloud (`cloud`): one shard, many replicas; the service replicates DDL itself and makes every
 * MergeTree a SharedMergeTree: no ON CLUSTER, no Replicated engines.
 */
export interface SchemaTarget {
  /** Cluster name (CLICKHOUSE_CLUSTER). */
  cluster?: string;
  /** More than one shard (CLICKHOUSE_SHARDED): Distributed tables over `_local` ones. */
  sharded?: boolean;
  /**
   * The database Distributed tables point at; '' lets each shard's replica use its `default_database`
   * (how a one-node test runs two shards in two databases). Defaults to the current database.
   */
  database?: string;
  /** Replicated engines; default: whenever a cluster is named (not on Cloud). */
  replicated?: boolean;
  /** ON CLUSTER DDL; default: whenever a cluster is named (not on Cloud). Off only for tests without Keeper. */
  onCluster?: boolean;
  /** ClickHouse Cloud: DDL and engines as written. */
  cloud?: boolean;
}

/** One statement to run. `shardLocal` marks the tables every shard holds (the `_local` ones). */
export interface RenderedStatement {
  sql: string;
  shardLocal: boolean;
}

const TYPE_PLACEHOLDERS: Record<string, string> = typePlaceholders();

/**
 * Subqueries over Distributed tables. `local`: both sides are sharded by the same key (the section), each shard
 * joins its own rows. `global`: the subquery's (small) result is built once and shipped to every shard; for
 * lookups across keys (a load's voids by statement id, an erasure's statements).
 */
export const SHARDED_QUERY_SETTINGS = { distributed_product_mode: 'local' } as const;
export const SHARDED_LOOKUP_SETTINGS = { distributed_product_mode: 'global' } as const;

const SHARD_BY = /\s*\{\{shard_by ([^}]+)\}\}/;
const LOCAL = /\{\{local ([A-Za-z_][A-Za-z0-9_]*)\}\}/g;
const CREATE_TABLE = /^(CREATE TABLE IF NOT EXISTS )([A-Za-z_][A-Za-z0-9_]*)/;
const CREATE_VIEW = /^CREATE (OR REPLACE )?(MATERIALIZED )?VIEW/;

function clusterDdl(target: SchemaTarget): boolean {
  return Boolean(target.cluster) && (target.onCluster ?? !target.cloud);
}

export function renderStatement(sql: string, target: SchemaTarget = {}): RenderedStatement[] {
  const replicated = target.replicated ?? (Boolean(target.cluster) && !target.cloud);
  const onCluster = onClusterClause(target);
  let out = sql.replace(/\{\{([a-z_]+)\}\}/g, (m, name: string) => TYPE_PLACEHOLDERS[name] ?? m);
  out = out.replace(LOCAL, (_m, name: string) => (target.sharded ? `${name}_local` : name));
  out = out.replace(/[ \t]*\{\{on_cluster\}\}/g, onCluster);
  if (replicated) {
    out = out.replace(
      /ENGINE\s*=\s*(Replacing|Summing|Aggregating|Collapsing|VersionedCollapsing)?MergeTree\b(\s*\(([^)]*(?:\([^)]*\)[^)]*)*)\))?/g,
      (_m, kind: string | undefined, _args: string | undefined, inner: string | undefined) =>
        `ENGINE = Replicated${kind ?? ''}MergeTree${inner !== undefined && inner.trim() !== '' ? `(${inner})` : ''}`,
    );
  }
  const shardBy = SHARD_BY.exec(out);
  out = out.replace(SHARD_BY, '');
  if (!target.sharded) return [{ sql: out, shardLocal: false }];
  if (!target.cluster) throw new Error('A sharded schema needs a cluster name (CLICKHOUSE_CLUSTER)');

  if (shardBy) {
    const name = CREATE_TABLE.exec(out)?.[2];
    if (!name)
      throw new Error(`{{shard_by}} marks a statement that is not CREATE TABLE: ${out.slice(0, 80)}`);
    const local = `${name}_local`;
    const database = target.database === undefined ? 'currentDatabase()' : sqlString(target.database);
    // AS the local table, named with its database where the database is known (a remote host's default may differ).
    const as = target.database ? `${sqlIdentifier(target.database)}.${local}` : local;
    return [
      { sql: out.replace(CREATE_TABLE, `$1${local}`), shardLocal: true },
      {
        sql:
          `CREATE TABLE IF NOT EXISTS ${name}${onCluster} AS ${as}\n` +
          `ENGINE = Distributed(${sqlString(target.cluster)}, ${database}, ${local}, ${(shardBy[1] as string).trim()})`,
        shardLocal: false,
      },
    ];
  }
  if (CREATE_VIEW.test(out) && !/^CREATE (OR REPLACE )?MATERIALIZED VIEW/.test(out)) {
    const settings = Object.entries(SHARDED_QUERY_SETTINGS)
      .map(([k, v]) => `${k} = '${v}'`)
      .join(', ');
    return [{ sql: `${out}\nSETTINGS ${settings}`, shardLocal: false }];
  }
  return [{ sql: out, shardLocal: false }];
}

/**
 * Sharded: (re)creates the Distributed table `name` over `name_local`, with the columns the local table has now
 * (after an EXCHANGE of local tables, or a change of their columns). `CREATE OR REPLACE` swaps it atomically:
 * a query meanwhile meets the old one or the new one, never none.
 */
export function distributedTableSql(name: string, shardBy: string, target: SchemaTarget): string | undefined {
  if (!target.sharded) return undefined;
  const [, distributed] = renderStatement(
    `CREATE TABLE IF NOT EXISTS ${name} {{on_cluster}} (x UInt8) ENGINE = Null {{shard_by ${shardBy}}}`,
    target,
  );
  return distributed?.sql.replace(/^CREATE TABLE IF NOT EXISTS /, 'CREATE OR REPLACE TABLE ');
}

/** ` ON CLUSTER \`name\`` for statements run by hand (DELETE, ALTER … DROP PARTITION), or '' on one node. */
export function onClusterClause(target: SchemaTarget = {}): string {
  return clusterDdl(target) && target.cluster ? ` ON CLUSTER ${sqlIdentifier(target.cluster)}` : '';
}

/** The local table of a `{{shard_by}}` table on this target (see `{{local NAME}}`). */
export function localName(name: string, target: SchemaTarget = {}): string {
  return target.sharded ? `${name}_local` : name;
}
