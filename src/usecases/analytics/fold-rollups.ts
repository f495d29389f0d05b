/**
 * The cron's fold of the staged rollup increments (src/storage/candidate-rollups.ts): lead calls fold
 * their own shard every few dozen calls; this catches what quiet isolates, deals and the bot left
 * pending, so the pending rows of every shard stay few.
 */
import type { Env } from "../../env";
import { countPendingRollups, foldPendingRollups, PENDING_ROWS_PER_FOLD } from "../../storage/candidate-rollups";
import { clientShards } from "../../storage/shards";

/** Folds per shard and run at most (a backlog larger than this is reported and folded next run). */
const MAX_FOLDS_PER_SHARD = 40;

export interface RollupFoldResult {
  /** Pending rows folded, over every shard. */
  folded: number;
  /** Pending rows still waiting afterwards, over every shard (0 unless a backlog was too large). */
  remaining: number;
}

/** Folds every shard's pending rows, oldest first, one shard after the other. */
export async function foldAllPendingRollups(env: Env): Promise<RollupFoldResult> {
  let folded = 0;
  let remaining = 0;
  for (const shard of clientShards(env)) {
    for (let fold = 0; fold < MAX_FOLDS_PER_SHARD; fold++) {
      const rows = await foldPendingRollups(shard.db);
      folded += rows;
      if (rows < PENDING_ROWS_PER_FOLD) break;
    }
    remaining += await countPendingRollups(shard.db);
  }
  return { folded, remaining };
}
