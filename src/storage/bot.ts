/**
 * SQL of the Telegram bot (docs/bot.md): the update log, persons, consents, CRM links, offer texts,
 * offers and the aggregate funnel. No decisions here: the use cases in src/usecases/bot decide.
 */
import { and, asc, desc, eq, gt, isNotNull, isNull, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { deletePersonReferralStatements, type ReferralClaim, referralClaimStatements } from "./bot-referrals";
import type { Db } from "./db";
import { deletePersonLedger } from "./loyalty";
import {
  botConsentEvents,
  botConsents,
  botFunnel,
  botLinks,
  botOffers,
  botOfferTexts,
  botPersons,
  botRatings,
  botUpdates,
  clients,
  companies,
  services,
} from "./schema";

export type BotPersonRow = typeof botPersons.$inferSelect;
export type BotOfferRow = typeof botOffers.$inferSelect;
export type BotConsentRow = typeof botConsents.$inferSelect;
export type FunnelStage = (typeof botFunnel.$inferSelect)["stage"];

/** Records an update id; false when it was recorded before (a re-sent update). */
export async function recordUpdate(db: Db, updateId: number, now: number): Promise<boolean> {
  const rows = await db
    .insert(botUpdates)
    .values({ updateId, receivedAt: now })
    .onConflictDoNothing()
    .returning({ updateId: botUpdates.updateId });
  return rows.length === 1;
}

/**
 * Forgets at most `limit` update ids received before `before`, oldest first (by the received-at
 * index); answers how many went. Bounded so one run stays within a Worker's limits.
 */
export async function pruneUpdates(db: Db, before: number, limit: number): Promise<number> {
  const removed = await db
    .delete(botUpdates)
    .where(
      sql`${botUpdates.updateId} IN (SELECT ${botUpdates.updateId} FROM ${botUpdates} WHERE ${botUpdates.receivedAt} < ${before} ORDER BY ${botUpdates.receivedAt} LIMIT ${limit})`,
    )
    .returning({ updateId: botUpdates.updateId });
  return removed.length;
}

export async function findPersonByTelegramHash(db: Db, telegramHash: string): Promise<BotPersonRow | null> {
  const rows = await db.select().from(botPersons).where(eq(botPersons.telegramHash, telegramHash)).limit(1);
  return rows[0] ?? null;
}

export async function getPerson(db: Db, id: string): Promise<BotPersonRow | null> {
  const rows = await db.select().from(botPersons).where(eq(botPersons.id, id)).limit(1);
  return rows[0] ?? null;
}

export function funnelIncrement(db: Db, companyId: string, stage: FunnelStage, by = 1) {
  return db
    .insert(botFunnel)
    .values({ companyId, stage, count: by })
    .onConflictDoUpdate({
      target: [botFunnel.companyId, botFunnel.stage],
      set: { count: sql`${botFunnel.count} + ${by}` },
    });
}

export async function bumpFunnel(db: Db, companyId: string, stage: FunnelStage): Promise<void> {
  await funnelIncrement(db, companyId, stage);
}

/** The funnel counters of an entry company (the "deals" stage is counted from the leads, in the shards). */
export async function getFunnel(db: Db, companyId: string): Promise<Partial<Record<FunnelStage, number>>> {
  const rows = await db.select().from(botFunnel).where(eq(botFunnel.companyId, companyId));
  return Object.fromEntries(rows.map((r) => [r.stage, r.count]));
}

/** The leads the bot made from offers of an entry company's people. */
export async function listOfferLeadIds(db: Db, entryCompanyId: string): Promise<string[]> {
  const rows = await db
    .selectDistinct({ leadId: botOffers.leadId })
    .from(botOffers)
    .where(and(eq(botOffers.entryCompanyId, entryCompanyId), isNotNull(botOffers.leadId)));
  return rows.flatMap((row) => (row.leadId ? [row.leadId] : []));
}

export interface NewConsentedPerson {
  person: typeof botPersons.$inferInsert;
  consent: typeof botConsents.$inferInsert;
  /** The one-time CRM link the person came through, consumed in the same batch. */
  linkTokenHash: string | null;
  /** The referral the person came through, recorded in the same batch while the code has places left. */
  referral?: Omit<ReferralClaim, "referredPersonId" | "now"> | null;
}

/**
 * Creates the person, its consent and the consent's first event in one batch. False when the
 * person exists already (a second "I agree") or the CRM link was consumed meanwhile.
 */
export async function createConsentedPerson(db: Db, input: NewConsentedPerson): Promise<boolean> {
  const now = input.consent.grantedAt;
  const companyId = input.person.entryCompanyId;
  try {
    if (input.linkTokenHash) {
      const claimed = await db
        .update(botLinks)
        .set({ usedAt: now })
        .where(and(eq(botLinks.tokenHash, input.linkTokenHash), isNull(botLinks.usedAt), gt(botLinks.expiresAt, now)))
        .returning({ tokenHash: botLinks.tokenHash });
      if (claimed.length === 0) return false;
    }
    await db.batch([
      db.insert(botPersons).values(input.person),
      db.insert(botConsents).values(input.consent),
      db.insert(botConsentEvents).values({ consentId: input.consent.id, event: "granted", at: now }),
      funnelIncrement(db, companyId, "consented"),
      ...(input.referral
        ? referralClaimStatements(db, { ...input.referral, referredPersonId: input.person.id, now })
        : []),
    ]);
    return true;
  } catch (error) {
    if (String((error as Error)?.message ?? error).includes("UNIQUE constraint failed: bot_persons")) return false;
    throw error;
  }
}

export async function updatePerson(
  db: Db,
  id: string,
  changes: Partial<Pick<BotPersonRow, "step" | "ageBand" | "needs" | "clientId">>,
  now: number,
): Promise<void> {
  await db
    .update(botPersons)
    .set({ ...changes, updatedAt: now })
    .where(eq(botPersons.id, id));
}

/**
 * Withdrawal: the consent is closed (with its event), the person's offers are unlinked, and the
 * person row (hash, encrypted chat id, survey answers), the person's points ledger, referral code
 * and referrals are deleted, all in one batch.
 */
export async function withdrawPerson(db: Db, person: BotPersonRow, now: number): Promise<void> {
  const open = await db
    .select({ id: botConsents.id })
    .from(botConsents)
    .where(and(eq(botConsents.personId, person.id), isNull(botConsents.withdrawnAt)));
  const statements: BatchItem<"sqlite">[] = [
    ...open.map((c) => db.insert(botConsentEvents).values({ consentId: c.id, event: "withdrawn", at: now })),
    db
      .update(botConsents)
      .set({ withdrawnAt: now })
      .where(and(eq(botConsents.personId, person.id), isNull(botConsents.withdrawnAt))),
    db.update(botOffers).set({ personId: null }).where(eq(botOffers.personId, person.id)),
    db.delete(botPersons).where(eq(botPersons.id, person.id)),
    ...deletePersonLedger(db, person.id),
    ...deletePersonReferralStatements(db, person.id),
    funnelIncrement(db, person.entryCompanyId, "withdrawn"),
  ];
  await db.batch(statements as [BatchItem<"sqlite">, ...BatchItem<"sqlite">[]]);
}

export async function insertLink(db: Db, row: typeof botLinks.$inferInsert): Promise<void> {
  await db.insert(botLinks).values(row);
}

/** An unused, unexpired link, without consuming it. */
export async function findUsableLink(db: Db, tokenHash: string, now: number) {
  const rows = await db
    .select()
    .from(botLinks)
    .where(and(eq(botLinks.tokenHash, tokenHash), isNull(botLinks.usedAt), gt(botLinks.expiresAt, now)))
    .limit(1);
  return rows[0] ?? null;
}

/** Names of the active companies that sell at least one active service: whose offers a person may get. */
export async function listOfferingCompanyNames(db: Db): Promise<string[]> {
  const rows = await db
    .selectDistinct({ name: companies.name, createdAt: companies.createdAt })
    .from(companies)
    .innerJoin(services, eq(services.companyId, companies.id))
    .where(and(eq(companies.status, "active"), eq(services.active, true)))
    .orderBy(asc(companies.createdAt));
  return rows.map((r) => r.name);
}

export async function putOfferText(db: Db, row: typeof botOfferTexts.$inferInsert): Promise<void> {
  await db
    .insert(botOfferTexts)
    .values(row)
    .onConflictDoUpdate({
      target: [botOfferTexts.serviceId, botOfferTexts.locale],
      set: { text: row.text, updatedAt: row.updatedAt, updatedBy: row.updatedBy },
    });
}

export async function deleteOfferText(db: Db, serviceId: string, locale: string): Promise<boolean> {
  const rows = await db
    .delete(botOfferTexts)
    .where(and(eq(botOfferTexts.serviceId, serviceId), eq(botOfferTexts.locale, locale)))
    .returning({ serviceId: botOfferTexts.serviceId });
  return rows.length > 0;
}

export async function listOfferTexts(db: Db, locale?: string) {
  return db
    .select({
      serviceId: botOfferTexts.serviceId,
      serviceCode: services.code,
      locale: botOfferTexts.locale,
      text: botOfferTexts.text,
      updatedAt: botOfferTexts.updatedAt,
      updatedBy: botOfferTexts.updatedBy,
    })
    .from(botOfferTexts)
    .innerJoin(services, eq(services.id, botOfferTexts.serviceId))
    .where(locale ? eq(botOfferTexts.locale, locale) : undefined)
    .orderBy(asc(services.code), asc(botOfferTexts.locale));
}

/** Every offer the person was sent, newest first. */
export async function listPersonOffers(db: Db, personId: string): Promise<BotOfferRow[]> {
  return db.select().from(botOffers).where(eq(botOffers.personId, personId)).orderBy(desc(botOffers.sentAt));
}

export async function insertOffer(db: Db, row: typeof botOffers.$inferInsert): Promise<void> {
  await db.batch([db.insert(botOffers).values(row), funnelIncrement(db, row.entryCompanyId, "offered")]);
}

export async function getOffer(db: Db, id: string): Promise<BotOfferRow | null> {
  const rows = await db.select().from(botOffers).where(eq(botOffers.id, id)).limit(1);
  return rows[0] ?? null;
}

/** Records the person's answer once; false when the offer was answered already. */
export async function answerOffer(
  db: Db,
  offer: BotOfferRow,
  response: "interested" | "declined",
  now: number,
): Promise<boolean> {
  const rows = await db
    .update(botOffers)
    .set({ response, respondedAt: now })
    .where(and(eq(botOffers.id, offer.id), isNull(botOffers.response)))
    .returning({ id: botOffers.id });
  if (rows.length === 0) return false;
  if (response === "interested") await bumpFunnel(db, offer.entryCompanyId, "interested");
  return true;
}

/** The client row a person is (its own cold-start client or the linked CRM client). */
export async function getClientRow(db: Db, clientId: string) {
  const rows = await db.select().from(clients).where(eq(clients.id, clientId)).limit(1);
  return rows[0] ?? null;
}

export async function getServiceRow(db: Db, serviceId: string) {
  const rows = await db.select().from(services).where(eq(services.id, serviceId)).limit(1);
  return rows[0] ?? null;
}

/** Links an offer to the lead made from it: joins the lead's own write batch. */
export function offerLeadStatement(db: Db, offerId: string, leadId: string) {
  return db.update(botOffers).set({ leadId }).where(eq(botOffers.id, offerId));
}

/**
 * The most recent offers that made a lead and whose person was not asked for a rating yet (whether the
 * lead ended accepted is in the shards: the caller checks).
 */
export async function listUnratedOfferLeads(db: Db, limit: number) {
  const rows = await db
    .select({
      offerId: botOffers.id,
      personId: botOffers.personId,
      companyId: botOffers.companyId,
      companyName: companies.name,
      leadId: botOffers.leadId,
    })
    .from(botOffers)
    .innerJoin(companies, eq(companies.id, botOffers.companyId))
    .leftJoin(botRatings, eq(botRatings.offerId, botOffers.id))
    .where(and(isNull(botRatings.offerId), isNotNull(botOffers.personId), isNotNull(botOffers.leadId)))
    .orderBy(desc(botOffers.sentAt))
    .limit(limit);
  return rows.flatMap((row) => (row.leadId ? [{ ...row, leadId: row.leadId }] : []));
}

/** Records that the person is asked; false when asked before (another run got there first). */
export async function markRatingAsked(db: Db, offerId: string, companyId: string, now: number): Promise<boolean> {
  const rows = await db
    .insert(botRatings)
    .values({ offerId, companyId, askedAt: now })
    .onConflictDoNothing()
    .returning({ offerId: botRatings.offerId });
  return rows.length === 1;
}

/** Stores the stars once; false when the offer was not asked or was rated already. */
export async function recordRating(db: Db, offerId: string, stars: number, now: number): Promise<boolean> {
  const rows = await db
    .update(botRatings)
    .set({ stars, ratedAt: now })
    .where(and(eq(botRatings.offerId, offerId), isNull(botRatings.stars)))
    .returning({ offerId: botRatings.offerId });
  return rows.length === 1;
}

/** A company's quality rating from the bot: mean stars and how many ratings. */
export async function companyQualityRating(db: Db, companyId: string) {
  const rows = await db
    .select({ count: sql<number>`count(${botRatings.stars})`, mean: sql<number | null>`avg(${botRatings.stars})` })
    .from(botRatings)
    .where(and(eq(botRatings.companyId, companyId), isNotNull(botRatings.stars)));
  return { count: rows[0]?.count ?? 0, mean: rows[0]?.mean ?? null };
}
