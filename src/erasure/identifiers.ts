import type { ClickHouseClient } from '@clickhouse/client';
import { InputError } from '../errors.js';
import { ifi, KEY_OF_IFI } from '../schema/parse-views/shared.js';

/**
 * A learner to erase, named by an Inverse Functional Identifier (xAPI 1.0.3 §2.4.2.3): `mailto:…`, or an Agent
 * as JSON with `mbox`, `mbox_sha1sum`, `openid` or `account` ({homePage, name}).
 */
export interface Identifier {
  mbox?: string;
  mbox_sha1sum?: string;
  openid?: string;
  account?: { homePage: string; name: string };
}

export function parseIdentifier(text: string): Identifier {
  const t = text.trim();
  if (/^mailto:/i.test(t)) return checked({ mbox: t });
  if (!t.startsWith('{'))
    throw new InputError(
      'an actor is `mailto:…` or an Agent as JSON with mbox, mbox_sha1sum, openid or account, e.g. ' +
        '\'{"account": {"homePage": "https://lms.example.com", "name": "u-7"}}\'',
    );
  let agent: Record<string, unknown>;
  try {
    agent = JSON.parse(t) as Record<string, unknown>;
  } catch {
    throw new InputError('the actor is not valid JSON');
  }
  const out: Identifier = {};
  if (typeof agent.mbox === 'string') out.mbox = agent.mbox;
  if (typeof agent.mbox_sha1sum === 'string') out.mbox_sha1sum = agent.mbox_sha1sum;
  if (typeof agent.openid === 'string') out.openid = agent.openid;
  const account = agent.account as Record<string, unknown> | undefined;
  if (account && typeof account === 'object')
    out.account = { homePage: String(account.homePage ?? ''), name: String(account.name ?? '') };
  return checked(out);
}

function checked(id: Identifier): Identifier {
  if (!id.mbox && !id.mbox_sha1sum && !id.openid && !id.account)
    throw new InputError('the actor names no mbox, mbox_sha1sum, openid or account');
  if (id.mbox && !/^mailto:[^@\s]+@[^@\s]+$/i.test(id.mbox.trim()))
    throw new InputError('mbox is not a mailto IRI (mailto:name@host)');
  if (id.mbox_sha1sum && !/^[0-9a-f]{40}$/i.test(id.mbox_sha1sum.trim()))
    throw new InputError('mbox_sha1sum is not 40 hex digits');
  if (id.openid && !/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(id.openid.trim()))
    throw new InputError('openid is not a URI');
  if (id.account && (!id.account.homePage.trim() || !id.account.name))
    throw new InputError('an account needs a homePage and a name');
  return id;
}

export interface ErasureKeys {
  /** The normalised agent keys to remove (person_keys, actor_key…): an mbox also as its mbox_sha1sum. */
  keys: string[];
  /** Hex SHA-256 of each key: what erased_keys and the erasure record keep. */
  hashes: string[];
}

/**
 * The keys, normalised by ClickHouse with the very expression the parse views use (src/schema/parse-views/
 * shared.ts), so that erasure finds exactly what the loads wrote. An mbox is also the mbox_sha1sum of its IRI,
 * as written and lower-cased (xAPI hashes the IRI; producers differ in case).
 */
export async function erasureKeys(client: ClickHouseClient, ids: Identifier[]): Promise<ErasureKeys> {
  const col = (f: (i: Identifier) => string | undefined) => ids.map((i) => f(i)?.trim() ?? '');
  const mboxIri = (m: string) => (/^mailto:/i.test(m) ? m : `mailto:${m}`);
  const mboxes = ids.flatMap((i) =>
    i.mbox ? [...new Set([mboxIri(i.mbox.trim()), mboxIri(i.mbox.trim()).toLowerCase()])] : [],
  );
  const rs = await client.query({
    query: `SELECT arraySort(arrayDistinct(arrayFilter(k -> k != '', arrayConcat(
              arrayMap(i -> ${KEY_OF_IFI},
                  arrayMap(t -> ${ifi('t')}, arrayMap((a, b, c, d, e) -> CAST((a, b, c, (d, e)),
                      'Tuple(mbox String, mbox_sha1sum String, openid String, account Tuple(homePage String, name String))'),
                  {mbox:Array(String)}, {sha1:Array(String)}, {openid:Array(String)}, {home:Array(String)}, {name:Array(String)}))),
              arrayMap(m -> concat('mbox_sha1sum::', lower(hex(SHA1(m)))), {mboxes:Array(String)}))))) AS keys,
              arrayMap(k -> lower(hex(SHA256(k))), keys) AS hashes`,
    query_params: {
      mbox: col((i) => i.mbox),
      sha1: col((i) => i.mbox_sha1sum),
      openid: col((i) => i.openid),
      home: col((i) => i.account?.homePage),
      name: ids.map((i) => i.account?.name ?? ''),
      mboxes,
    },
    format: 'JSONEachRow',
  });
  const [row] = await rs.json<{ keys: string[]; hashes: string[] }>();
  return { keys: row?.keys ?? [], hashes: row?.hashes ?? [] };
}
