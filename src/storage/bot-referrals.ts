/**
 * SQL of the bot's referral codes and referrals (docs/bot.md, "Referrals"), and of the bot's view of
 * accepted deals on its leads. Control-database tables. No decisions here: src/usecases/bot decides.
 */
import { and, eq, isNotNull, isNull, or, sql } from "drizzle-orm";
import type { Db } from "./db";
import { botOffers, botReferralCodes, botReferrals } from "./schema";

export type ReferralCodeRow = typeof botReferralCodes.$inferSelect;
export type ReferralRow = typeof botReferrals.$inferSelect;

export async function getReferralCode(db: Db, code: string): Promise<ReferralCodeRow | null> {
  const rows = await db.select().from(botReferralCodes).where(eq(botReferralCodes.code, code)).limit(1);
  return rows[0] ?? null;
}

export async function getReferralCodeOfPerson(db: Db, personId: string): Promise<ReferralCodeRow | null> {
  const rows = await db.select().from(botReferralCodes).where(eq(botReferralCodes.personId, personId)).limit(1);
  return rows[0] ?? null;
}

/** Stores a new code; false when the code or the person's code exists already (the caller re-reads). */
export async function insertReferralCode(db: Db, row: ReferralCodeRow): Promise<boolean> {
  const rows = await db
    .insert(botReferralCodes)
    .values(row)
    .onConflictDoNothing()
    .returning({ code: botReferralCodes.code });
  return rows.length === 1;
}

/** Sets a code's usage limit; null when there is no such code. */
export async function setReferralCodeMaxUses(
  db: Db,
  code: string,
  maxUses: number,
  now: number,
): Promise<ReferralCodeRow | null> {
  const rows = await db
    .update(botReferralCodes)
    .set({ maxUses, updatedAt: now })
    .where(eq(botReferralCodes.code, code))
    .returning();
  return rows[0] ?? null;
}

export async function findReferralOf(db: Db, referredPersonId: string): Promise<ReferralRow | null> {
  const rows = await db.select().from(botReferrals).where(eq(botReferrals.referredPersonId, referredPersonId)).limit(1);
  return rows[0] ?? null;
}

export interface ReferralClaim {
  referredPersonId: string;
  code: string;
  referrerPersonId: string;
  now: number;
}

/**
 * The statements that record a referral and count it against the code, for a write batch. The
 * insert happens only while the code is under its limit, still belongs to the referrer and the
 * person was not referred before; the count moves only when that insert happened. So the limit
 * holds at the database even when two people use the last place at once.
 */
export function referralClaimStatements(db: Db, claim: ReferralClaim) {
  const codes = botReferralCodes;
  return [
    db
      .insert(botReferrals)
      .select(
        sql`SELECT ${claim.referredPersonId}, ${codes.code}, ${codes.personId}, ${claim.now}, NULL, NULL FROM ${codes}
          WHERE ${codes.code} = ${claim.code} AND ${codes.personId} = ${claim.referrerPersonId}
            AND ${codes.personId} <> ${claim.referredPersonId} AND ${codes.uses} < ${codes.maxUses}`,
      )
      .onConflictDoNothing(),
    db
      .update(codes)
      .set({ uses: sql`${codes.uses} + 1`, updatedAt: claim.now })
      .where(
        and(
          eq(codes.code, claim.code),
          sql`EXISTS (SELECT 1 FROM ${botReferrals} WHERE ${botReferrals.referredPersonId} = ${claim.referredPersonId}
            AND ${botReferrals.code} = ${claim.code} AND ${botReferrals.createdAt} = ${claim.now})`,
        ),
      ),
  ] as const;
}

/** Records a referral on its own (a code typed after consent); true when it was recorded. */
export async function claimReferral(db: Db, claim: ReferralClaim): Promise<boolean> {
  const [insert, count] = referralClaimStatements(db, claim);
  await db.batch([insert, count]);
  const referral = await findReferralOf(db, claim.referredPersonId);
  return referral?.code === claim.code && referral.createdAt === claim.now;
}

/**
 * Marks the referral of a person converted by `leadId`, unless another lead converted it before;
 * answers the referral when `leadId` is (now or already) its converting lead, else null. A retried
 * job therefore finds its own conversion again and may finish earning the reward.
 */
export async function claimReferralConversion(
  db: Db,
  referredPersonId: string,
  leadId: string,
  now: number,
): Promise<ReferralRow | null> {
  await db
    .update(botReferrals)
    .set({ convertedLeadId: leadId, convertedAt: now })
    .where(and(eq(botReferrals.referredPersonId, referredPersonId), isNull(botReferrals.convertedLeadId)));
  const referral = await findReferralOf(db, referredPersonId);
  return referral?.convertedLeadId === leadId ? referral : null;
}

/** Statements that forget a person's code and every referral the person is part of (withdrawal). */
export function deletePersonReferralStatements(db: Db, personId: string) {
  return [
    db.delete(botReferralCodes).where(eq(botReferralCodes.personId, personId)),
    db
      .delete(botReferrals)
      .where(or(eq(botReferrals.referredPersonId, personId), eq(botReferrals.referrerPersonId, personId))),
  ];
}

/** The bot's offer a lead was made from, if the bot made it. */
export async function findOfferByLead(db: Db, leadId: string) {
  const rows = await db.select().from(botOffers).where(eq(botOffers.leadId, leadId)).limit(1);
  return rows[0] ?? null;
}

/** Notes that the offer's lead was accepted (first time only). */
export async function markOfferAccepted(db: Db, offerId: string, now: number): Promise<void> {
  await db
    .update(botOffers)
    .set({ acceptedAt: now })
    .where(and(eq(botOffers.id, offerId), isNull(botOffers.acceptedAt)));
}

/** Whether any lead the bot made for the person was accepted. */
export async function personHasAcceptedDeal(db: Db, personId: string): Promise<boolean> {
  const rows = await db
    .select({ id: botOffers.id })
    .from(botOffers)
    .where(and(eq(botOffers.personId, personId), isNotNull(botOffers.acceptedAt)))
    .limit(1);
  return rows.length > 0;
}
