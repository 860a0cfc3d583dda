import { randomUUID } from 'node:crypto';
import type { ClickHouseClient } from '@clickhouse/client';
import { refreshAnalytics } from '../analytics/refresh.js';
import type { SchemaTarget } from '../schema/render.js';
import { resolveVoids } from './resolve-voids.js';

/**
 * Loads made without this version's void resolution (an older xapi-etl, still running between `migrate` and the
 * code update of a deploy, or after a rollback) are resolved afterwards: every load whose statements or voids
 * were written since `since` (less an hour: a load may have begun before and committed after) is resolved as its
 * own load would have been, and the analytics of its keys and of the statements it newly voids are refreshed. `xapi-etl migrate`
 * runs this for the loads since the previous `migrate` started; deploy.sh runs `migrate` again after the code.
 * Returns how many loads were looked at.
 */
const MARGIN_MS = 3_600_000;
const CHUNK = 500;

export async function catchUpLoads(
  client: ClickHouseClient,
  since: Date | undefined,
  options: { schema?: SchemaTarget } = {},
): Promise<number> {
  if (!since) return 0;
  const from = new Date(since.getTime() - MARGIN_MS).toISOString().replace('T', ' ').replace('Z', '');
  const rs = await client.query({
    query: `SELECT DISTINCT toString(load_id) AS id FROM (
              SELECT load_id FROM load_statements WHERE created_at >= {from:DateTime64(3)}
              UNION ALL SELECT load_id FROM load_touched_voids WHERE created_at >= {from:DateTime64(3)})`,
    query_params: { from },
    format: 'JSONEachRow',
  });
  const loads = (await rs.json<{ id: string }>()).map((r) => r.id);
  for (let i = 0; i < loads.length; i += CHUNK) {
    const resolver = randomUUID();
    await resolveVoids(client, loads.slice(i, i + CHUNK), { schema: options.schema, resolver });
    // The loads' own keys too: v0.1.0 refreshes the days whole, not its learners' days (actor_day_state).
    // The newly voided statements' keys are added under the resolver's id.
    await refreshAnalytics(client, [resolver, ...loads.slice(i, i + CHUNK)], { schema: options.schema });
  }
  return loads.length;
}
