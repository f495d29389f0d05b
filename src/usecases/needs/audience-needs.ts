/**
 * Needs as an audience filter, for the partner audiences (issue 16): how many clients, over all
 * shards, carry an active need among the given codes (expired needs never count; a client counts
 * once whatever its sources), and the ids of such clients page by page, shard by shard.
 */

import { countClientsWithAnyNeed, selectClientIdsWithAnyNeed } from "../../storage/client-needs";
import type { DatabaseBindings } from "../../storage/shards";
import { clientShards } from "../../storage/shards";

export interface NeedFilter {
  /** Need codes; a client matches when it carries any of them. */
  codes: readonly string[];
  /** Leave out statements below this confidence (default 0: every active need). */
  minConfidence?: number;
}

/** Clients of every shard carrying an active need among `filter.codes` (fan-out, summed). */
export async function countClientsWithNeeds(
  env: DatabaseBindings,
  filter: NeedFilter,
  now = Date.now(),
): Promise<number> {
  const counts = await Promise.all(
    clientShards(env).map((shard) => countClientsWithAnyNeed(shard.db, filter.codes, now, filter.minConfidence ?? 0)),
  );
  return counts.reduce((sum, n) => sum + n, 0);
}

/**
 * Ids (`cl_…`) of one shard's matching clients after `afterClientId`, at most `limit`, ascending:
 * callers walk `clientShards(env)` and page within each.
 */
export async function clientIdsWithNeeds(
  env: DatabaseBindings,
  shardIndex: number,
  filter: NeedFilter,
  page: { afterClientId?: string; limit: number },
  now = Date.now(),
): Promise<string[]> {
  const shard = clientShards(env)[shardIndex];
  if (!shard) return [];
  return selectClientIdsWithAnyNeed(shard.db, filter.codes, now, { ...page, minConfidence: filter.minConfidence });
}
