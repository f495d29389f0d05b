/**
 * Daily housekeeping: purges idempotency records past their expiry, in every client shard (where the
 * lead call, deals and outcomes keep them). docs/storage.md gives each table's retention.
 */
import { purgeExpiredIdempotencyRecords } from "../storage/idempotency";
import { clientShards, type DatabaseBindings } from "../storage/shards";

export interface HousekeepingResult {
  purgedIdempotencyRecords: number;
}

export async function runHousekeeping(env: DatabaseBindings, now: number): Promise<HousekeepingResult> {
  const purged = await Promise.all(clientShards(env).map((shard) => purgeExpiredIdempotencyRecords(shard.db, now)));
  return { purgedIdempotencyRecords: purged.reduce((sum, n) => sum + n, 0) };
}
