/**
 * Daily housekeeping: purges idempotency records past their expiry and forgets Telegram update ids
 * older than the re-send window. Nothing else is purged here — scored candidates, leads and deals
 * are kept (docs/storage.md gives each table's retention).
 */
import type { Env } from "../env";
import { pruneUpdates } from "../storage/bot";
import { getDb } from "../storage/db";
import { purgeExpiredIdempotencyRecords } from "../storage/idempotency";
import { controlDb } from "../storage/shards";

/**
 * How long an update id is remembered. Telegram re-sends an unacknowledged update for at most 24
 * hours; a week leaves room for a webhook that was down or misconfigured for days.
 */
export const BOT_UPDATE_RETENTION_MS = 7 * 86_400_000;
/** Update ids deleted per statement, and statements per run: at most 50,000 ids a day (docs/bot.md). */
export const BOT_UPDATE_PRUNE_BATCH = 1000;
export const BOT_UPDATE_PRUNE_MAX_BATCHES = 50;

export interface HousekeepingResult {
  purgedIdempotencyRecords: number;
  prunedBotUpdates: number;
}

/** Forgets update ids received before the retention window, oldest first, in bounded batches. */
export async function pruneBotUpdates(
  env: Pick<Env, "DB">,
  now: number,
  limits = { batch: BOT_UPDATE_PRUNE_BATCH, maxBatches: BOT_UPDATE_PRUNE_MAX_BATCHES },
): Promise<number> {
  const db = controlDb(env);
  let pruned = 0;
  for (let round = 0; round < limits.maxBatches; round++) {
    const removed = await pruneUpdates(db, now - BOT_UPDATE_RETENTION_MS, limits.batch);
    pruned += removed;
    if (removed < limits.batch) break;
  }
  return pruned;
}

export async function runHousekeeping(env: Pick<Env, "DB">, now: number): Promise<HousekeepingResult> {
  const purgedIdempotencyRecords = await purgeExpiredIdempotencyRecords(getDb(env.DB), now);
  const prunedBotUpdates = await pruneBotUpdates(env, now);
  return { purgedIdempotencyRecords, prunedBotUpdates };
}
