/**
 * SQL of partner campaigns (docs/storage.md "partner_campaigns"): the campaign rows, the bot offers
 * sent for them (`bot_offers.campaign_id`) and their aggregate results. No decisions here.
 */
import { and, asc, count, desc, eq, gt, gte, inArray, isNotNull, lte, sql } from "drizzle-orm";
import type { Db } from "./db";
import { botOffers, companies, deals, partnerCampaigns, services } from "./schema";

export type CampaignRow = typeof partnerCampaigns.$inferSelect;

export async function insertCampaign(db: Db, row: typeof partnerCampaigns.$inferInsert): Promise<void> {
  await db.insert(partnerCampaigns).values(row);
}

/** The company's campaign, or null (another company's campaign is as unknown as a missing one). */
export async function getCompanyCampaign(db: Db, companyId: string, id: string): Promise<CampaignRow | null> {
  const rows = await db
    .select()
    .from(partnerCampaigns)
    .where(and(eq(partnerCampaigns.id, id), eq(partnerCampaigns.companyId, companyId)))
    .limit(1);
  return rows[0] ?? null;
}

export async function listCompanyCampaigns(db: Db, companyId: string): Promise<CampaignRow[]> {
  return db
    .select()
    .from(partnerCampaigns)
    .where(eq(partnerCampaigns.companyId, companyId))
    .orderBy(desc(partnerCampaigns.createdAt), desc(partnerCampaigns.id));
}

export async function setCampaignStatus(db: Db, id: string, status: CampaignRow["status"], now: number) {
  await db.update(partnerCampaigns).set({ status, updatedAt: now }).where(eq(partnerCampaigns.id, id));
}

/** Campaigns that may send at `now` as far as their own row says (the company is checked per send). */
export async function listCampaignsInSchedule(db: Db, now: number): Promise<CampaignRow[]> {
  return db
    .select()
    .from(partnerCampaigns)
    .where(
      and(eq(partnerCampaigns.status, "active"), lte(partnerCampaigns.startsAt, now), gt(partnerCampaigns.endsAt, now)),
    )
    .orderBy(asc(partnerCampaigns.startsAt), asc(partnerCampaigns.id));
}

/** The campaign's and its company's status right now: read before every send, so a pause stops sends at once. */
export async function campaignSendState(
  db: Db,
  id: string,
): Promise<{ status: CampaignRow["status"]; startsAt: number; endsAt: number; companyStatus: string } | null> {
  const rows = await db
    .select({
      status: partnerCampaigns.status,
      startsAt: partnerCampaigns.startsAt,
      endsAt: partnerCampaigns.endsAt,
      companyStatus: companies.status,
    })
    .from(partnerCampaigns)
    .innerJoin(companies, eq(companies.id, partnerCampaigns.companyId))
    .where(eq(partnerCampaigns.id, id))
    .limit(1);
  return rows[0] ?? null;
}

/** Offers the campaign sent since `since`. */
export async function countCampaignOffersSince(db: Db, campaignId: string, since: number): Promise<number> {
  const rows = await db
    .select({ n: count() })
    .from(botOffers)
    .where(and(eq(botOffers.campaignId, campaignId), gte(botOffers.sentAt, since)));
  return rows[0]?.n ?? 0;
}

/** Persons the campaign already reached (each person gets a campaign once). */
export async function listCampaignPersonIds(db: Db, campaignId: string): Promise<Set<string>> {
  const rows = await db
    .select({ personId: botOffers.personId })
    .from(botOffers)
    .where(and(eq(botOffers.campaignId, campaignId), isNotNull(botOffers.personId)));
  return new Set(rows.map((row) => row.personId!));
}

/** Reached and interested counts per campaign, and the leads the campaign's offers became. */
export async function campaignOfferTotals(
  db: Db,
  campaignIds: readonly string[],
): Promise<Map<string, { reached: number; interested: number; leadIds: string[] }>> {
  const out = new Map<string, { reached: number; interested: number; leadIds: string[] }>();
  if (campaignIds.length === 0) return out;
  for (const id of campaignIds) out.set(id, { reached: 0, interested: 0, leadIds: [] });
  const rows = await db
    .select({ campaignId: botOffers.campaignId, response: botOffers.response, leadId: botOffers.leadId })
    .from(botOffers)
    .where(inArray(botOffers.campaignId, [...campaignIds]));
  for (const row of rows) {
    const totals = out.get(row.campaignId!)!;
    totals.reached++;
    if (row.response === "interested") totals.interested++;
    if (row.leadId) totals.leadIds.push(row.leadId);
  }
  return out;
}

/** Lead id → campaign id of every campaign offer that became a lead of the company's campaigns. */
export async function campaignLeadIds(db: Db, companyId: string): Promise<Map<string, { id: string; title: string }>> {
  const rows = await db
    .select({ leadId: botOffers.leadId, campaignId: partnerCampaigns.id, title: partnerCampaigns.title })
    .from(botOffers)
    .innerJoin(partnerCampaigns, eq(partnerCampaigns.id, botOffers.campaignId))
    .where(and(eq(partnerCampaigns.companyId, companyId), isNotNull(botOffers.leadId)));
  return new Map(rows.map((row) => [row.leadId!, { id: row.campaignId, title: row.title }]));
}

/** Of these leads (all of this shard), the ones with an accepted deal standing: one shard's share of campaign deals. */
export async function acceptedDealLeadIds(db: Db, leadIds: readonly string[]): Promise<string[]> {
  if (leadIds.length === 0) return [];
  const rows = await db.all<{ lead_id: string }>(sql`
    SELECT DISTINCT d.lead_id AS lead_id FROM ${deals} d
    WHERE d.outcome = 'accepted' AND d.lead_id IN (SELECT value FROM json_each(${JSON.stringify(leadIds)}))
      AND d.occurred_at = (SELECT max(d2.occurred_at) FROM ${deals} d2 WHERE d2.lead_id = d.lead_id)`);
  return rows.map((row) => row.lead_id);
}

/** The partner's own active service by code (a campaign offers one of them). */
export async function getOwnActiveService(db: Db, companyId: string, code: string) {
  const rows = await db
    .select()
    .from(services)
    .where(and(eq(services.companyId, companyId), eq(services.code, code), eq(services.active, true)))
    .limit(1);
  return rows[0] ?? null;
}

/** Takes back an offer that could not be told (its message was not sent). */
export async function deleteOffer(db: Db, offerId: string): Promise<void> {
  await db.delete(botOffers).where(eq(botOffers.id, offerId));
}
