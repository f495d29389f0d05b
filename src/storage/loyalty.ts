/** SQL of the loyalty ledger and its earn rules (docs/bot.md, "Loyalty"). No decisions here. */
import { and, asc, eq } from "drizzle-orm";
import type { LedgerEntry } from "../domain/loyalty/ledger";
import type { Db } from "./db";
import { loyaltyEarnRules, loyaltyEntries, loyaltyOperations, loyaltyRedemptions, loyaltyRewards } from "./schema";

export type EarnRuleRow = typeof loyaltyEarnRules.$inferSelect;
export type EarnEvent = EarnRuleRow["event"];

export async function getEarnRule(db: Db, event: EarnEvent): Promise<EarnRuleRow | null> {
  const rows = await db.select().from(loyaltyEarnRules).where(eq(loyaltyEarnRules.event, event)).limit(1);
  return rows[0] ?? null;
}

export async function listEarnRules(db: Db): Promise<EarnRuleRow[]> {
  return db.select().from(loyaltyEarnRules).orderBy(asc(loyaltyEarnRules.event));
}

export async function putEarnRule(db: Db, row: EarnRuleRow): Promise<void> {
  await db
    .insert(loyaltyEarnRules)
    .values(row)
    .onConflictDoUpdate({
      target: loyaltyEarnRules.event,
      set: {
        points: row.points,
        lifetimeDays: row.lifetimeDays,
        active: row.active,
        updatedAt: row.updatedAt,
        updatedBy: row.updatedBy,
      },
    });
}

/** The person's operations in the order they were applied. */
export async function loadOperations(db: Db, personId: string) {
  return db
    .select()
    .from(loyaltyOperations)
    .where(eq(loyaltyOperations.personId, personId))
    .orderBy(asc(loyaltyOperations.seq));
}

/** Appends one operation and its entries atomically; throws a unique violation when `seq` was taken meanwhile. */
export async function appendOperation(
  db: Db,
  input: { key: string; personId: string; seq: number; body: string; at: number; entries: readonly LedgerEntry[] },
): Promise<void> {
  const { entries, ...operation } = input;
  await db.batch([
    db.insert(loyaltyOperations).values(operation),
    ...entries.map((e) =>
      db.insert(loyaltyEntries).values({
        transferKey: e.transferKey,
        personId: input.personId,
        account: e.account,
        points: e.points,
        lotKey: e.lotKey,
        at: input.at,
      }),
    ),
  ]);
}

export function isSeqConflict(error: unknown): boolean {
  return String((error as Error)?.message ?? error).includes("UNIQUE constraint failed: loyalty_operations");
}

/** Statements that forget a person's ledger (withdrawal); redemptions stay, unlinked. */
export function deletePersonLedger(db: Db, personId: string) {
  return [
    db.update(loyaltyRedemptions).set({ personId: null }).where(eq(loyaltyRedemptions.personId, personId)),
    db.delete(loyaltyEntries).where(eq(loyaltyEntries.personId, personId)),
    db.delete(loyaltyOperations).where(eq(loyaltyOperations.personId, personId)),
  ];
}

export type RewardRow = typeof loyaltyRewards.$inferSelect;

export async function insertReward(db: Db, row: RewardRow): Promise<void> {
  await db.insert(loyaltyRewards).values(row);
}

export async function listRewards(db: Db, options: { activeOnly?: boolean } = {}): Promise<RewardRow[]> {
  return db
    .select()
    .from(loyaltyRewards)
    .where(options.activeOnly ? eq(loyaltyRewards.active, true) : undefined)
    .orderBy(asc(loyaltyRewards.costPoints), asc(loyaltyRewards.id));
}

export async function getReward(db: Db, id: string): Promise<RewardRow | null> {
  const rows = await db.select().from(loyaltyRewards).where(eq(loyaltyRewards.id, id)).limit(1);
  return rows[0] ?? null;
}

export async function setRewardActive(db: Db, id: string, active: boolean, now: number): Promise<boolean> {
  const rows = await db
    .update(loyaltyRewards)
    .set({ active, updatedAt: now })
    .where(eq(loyaltyRewards.id, id))
    .returning({ id: loyaltyRewards.id });
  return rows.length === 1;
}

export async function insertRedemption(db: Db, row: typeof loyaltyRedemptions.$inferInsert): Promise<void> {
  await db.insert(loyaltyRedemptions).values(row).onConflictDoNothing();
}

export async function countRedemptions(db: Db, rewardId: string, personId: string): Promise<number> {
  const rows = await db
    .select({ key: loyaltyRedemptions.key })
    .from(loyaltyRedemptions)
    .where(and(eq(loyaltyRedemptions.rewardId, rewardId), eq(loyaltyRedemptions.personId, personId)));
  return rows.length;
}
