/**
 * Daily housekeeping: purges idempotency records past their expiry. Nothing else is purged here —
 * scored candidates, leads and deals are kept (docs/storage.md gives each table's retention).
 */
import type { Env } from "../env";
import { getDb } from "../storage/db";
import { purgeExpiredIdempotencyRecords } from "../storage/idempotency";

export interface HousekeepingResult {
  purgedIdempotencyRecords: number;
}

export async function runHousekeeping(env: Pick<Env, "DB">, now: number): Promise<HousekeepingResult> {
  const purgedIdempotencyRecords = await purgeExpiredIdempotencyRecords(getDb(env.DB), now);
  return { purgedIdempotencyRecords };
}
