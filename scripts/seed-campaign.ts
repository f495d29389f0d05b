/**
 * The demo's partner audience and campaign (docs/privacy.md "Partner audiences"): a quarter of the
 * demo clients are in the Telegram bot with a live consent to partner offers (as if linked from the
 * bank's CRM), and ФитПульс (10 % commission) ran a week of a campaign for its pool pass to the
 * 25–44 year-olds among them. Its offers, the “Интересно” answers, the leads they became and the
 * accepted deals are written as the platform would have written them, so the partner's campaign
 * results and the commission statement show the campaign's deals with their 10 % commission.
 */

import { AGE_BAND_RANGES, audienceFilterKey, canonicalAudienceFilter } from "../src/domain/audiences/filter";
import { CONSENT_NOTICE_VERSION, CONSENT_PURPOSE } from "../src/domain/bot/consent-notice";
import { buildLeadDocument } from "../src/domain/lead-document";
import { encryptText, receiverPseudonym, telegramIdHash } from "../src/lib/crypto";
import {
  botConsentEvents,
  botConsents,
  botOffers,
  botPersons,
  type companies,
  deals,
  leadEvents,
  leads,
  partnerCampaigns,
  type services,
} from "../src/storage/schema";
import { requireSlotOfId } from "../src/storage/shards";
import type { BankDataset } from "./datagen/demo";
import type { SqlFileWriter } from "./lib/sql-file";

const DAY_MS = 86_400_000;
/** Every BOT_SHARE-th demo client is a bot person with a live consent. */
const BOT_SHARE = 4;
/** Fake Telegram user ids of the demo's bot persons start here (no real account has them). */
const FIRST_DEMO_TELEGRAM_ID = 9_100_000_000;
const CAMPAIGN_DAYS_SO_FAR = 7;
const CAMPAIGN_DAILY_CAP = 60;
export const DEMO_CAMPAIGN_AUDIENCE = canonicalAudienceFilter({ age_bands: ["25-34", "35-44"] });

export interface CampaignWriters {
  control: SqlFileWriter;
  insertByClient<T extends typeof leads | typeof leadEvents | typeof deals>(
    table: T,
    rows: Iterable<T["$inferInsert"]>,
    idOf: (row: T["$inferInsert"]) => string,
  ): void;
}

export interface CampaignSeedInput {
  seed: number;
  now: number;
  data: BankDataset;
  clientIds: readonly string[];
  clientCompanyIds: readonly string[];
  companyRows: ReadonlyArray<typeof companies.$inferSelect>;
  serviceRows: ReadonlyArray<typeof services.$inferSelect>;
  pseudonymKey: string;
  /** BOT_ENCRYPTION_KEY of .dev.vars when set (the bot's chat ids are sealed with it). */
  botEncryptionKey: string;
  demoId: (prefix: string, key: string | number, slot?: number) => string;
}

export async function writeDemoCampaign(writers: CampaignWriters, input: CampaignSeedInput) {
  const { data, clientIds, now } = input;
  const { age, monthlyIncome, region, needsPtr, needsIdx } = data.dataset.clients;
  const bank = input.companyRows.find((c) => c.kind === "bank")!;
  const partner = input.companyRows.find((c) => c.name === "ФитПульс")!;
  const pool = input.serviceRows.find((s) => s.code === "fitpuls-pool")!;
  const bandOf = (years: number) =>
    (Object.entries(AGE_BAND_RANGES).find(([, [low, high]]) => years >= low && years <= high)?.[0] ?? null) as
      | string
      | null;

  const persons: Array<{ id: string; client: number }> = [];
  const personRows: Array<typeof botPersons.$inferInsert> = [];
  const consentRows: Array<typeof botConsents.$inferInsert> = [];
  const consentEventRows: Array<typeof botConsentEvents.$inferInsert> = [];
  const enteredAt = now - 30 * DAY_MS;
  for (let i = 0; i < clientIds.length; i += BOT_SHARE) {
    const telegramId = FIRST_DEMO_TELEGRAM_ID + i;
    const id = input.demoId("bp", i);
    const consentId = input.demoId("bc", i);
    persons.push({ id, client: i });
    personRows.push({
      id,
      telegramHash: await telegramIdHash(input.pseudonymKey, telegramId),
      chatCipher: await encryptText(input.botEncryptionKey, String(telegramId)),
      entryCompanyId: bank.id,
      campaign: null,
      clientId: clientIds[i],
      step: "ready",
      ageBand: bandOf(age[i]),
      needs: "[]",
      createdAt: enteredAt,
      updatedAt: enteredAt,
    });
    consentRows.push({
      id: consentId,
      personId: id,
      purpose: CONSENT_PURPOSE,
      noticeVersion: CONSENT_NOTICE_VERSION,
      noticeHash: "demo",
      channel: "telegram",
      entryPayload: "demo",
      grantedAt: enteredAt,
      withdrawnAt: null,
    });
    consentEventRows.push({ consentId, event: "granted", at: enteredAt });
  }
  writers.control.insert(botPersons, personRows);
  writers.control.insert(botConsents, consentRows);
  writers.control.insert(botConsentEvents, consentEventRows);

  const campaignId = input.demoId("cmp", "fitpuls-pool");
  const startsAt = now - CAMPAIGN_DAYS_SO_FAR * DAY_MS;
  writers.control.insert(partnerCampaigns, [
    {
      id: campaignId,
      companyId: partner.id,
      serviceId: pool.id,
      title: "Бассейн: первая неделя бесплатно",
      text: "Первая неделя в бассейне ФитПульс бесплатно. Запишитесь в любом клубе сети.",
      audience: audienceFilterKey(DEMO_CAMPAIGN_AUDIENCE),
      channel: "bot",
      startsAt,
      endsAt: startsAt + 30 * DAY_MS,
      dailyCap: CAMPAIGN_DAILY_CAP,
      status: "active",
      createdAt: startsAt - 3_600_000,
      updatedAt: startsAt - 3_600_000,
    },
  ]);

  const inAudience = persons.filter((p) => age[p.client] >= 25 && age[p.client] <= 44);
  const offerRows: Array<typeof botOffers.$inferInsert> = [];
  const leadRows: Array<typeof leads.$inferInsert> = [];
  const eventRows: Array<typeof leadEvents.$inferInsert> = [];
  const dealRows: Array<typeof deals.$inferInsert> = [];
  const reached = inAudience.slice(0, CAMPAIGN_DAYS_SO_FAR * CAMPAIGN_DAILY_CAP);
  for (const [k, person] of reached.entries()) {
    const sentAt =
      startsAt + Math.floor(k / CAMPAIGN_DAILY_CAP) * DAY_MS + 9 * 3_600_000 + (k % CAMPAIGN_DAILY_CAP) * 1000;
    const interested = k % 5 === 0;
    const declined = !interested && k % 7 === 0;
    const clientId = clientIds[person.client];
    const leadId = interested ? input.demoId("ld", `campaign-${k}`, requireSlotOfId(clientId)) : null;
    const respondedAt = interested || declined ? sentAt + 20 * 60_000 : null;
    // Every other interested person bought the pass within two days.
    const accepted = interested && k % 10 === 0;
    const acceptedAt = accepted ? sentAt + 2 * DAY_MS : null;
    offerRows.push({
      id: input.demoId("bo", `campaign-${k}`),
      personId: person.id,
      entryCompanyId: bank.id,
      serviceId: pool.id,
      companyId: partner.id,
      sentAt,
      response: interested ? "interested" : declined ? "declined" : null,
      respondedAt,
      leadId,
      acceptedAt,
      campaignId,
    });
    if (!leadId || respondedAt === null) continue;
    const needs: string[] = [];
    for (let j = needsPtr[person.client]; j < needsPtr[person.client + 1]; j++) {
      needs.push(data.dataset.needsVocabulary[needsIdx[j]]);
    }
    const source = input.companyRows.find((c) => c.id === input.clientCompanyIds[person.client])!;
    const createdAt = respondedAt + 1000;
    const document = buildLeadDocument({
      leadId,
      createdAt,
      service: { code: pool.code, name: pool.name, category: pool.category },
      targetCompany: { id: partner.id, name: partner.name },
      sourceCompany: { id: source.id, name: source.name },
      rating: 72,
      reasons: ["The person asked for this offer in the bot"],
      client: {
        pseudonym: await receiverPseudonym(input.pseudonymKey, partner.id, clientId),
        age: age[person.client],
        monthlyIncome: monthlyIncome[person.client],
        region: data.dataset.regions[region[person.client]],
        needs,
      },
      modelVersion: null,
    });
    leadRows.push({
      id: leadId,
      clientId,
      serviceId: pool.id,
      sourceCompanyId: source.id,
      targetCompanyId: partner.id,
      rating: 72,
      status: accepted ? "accepted" : "delivered",
      payload: JSON.stringify(document),
      routing: JSON.stringify({
        category: pool.category,
        winner: { companyId: partner.id },
        reason: "the partner campaign's own service (demo)",
        explored: false,
        policy: { strategy: "priority" },
        alternatives: [],
      }),
      modelVersion: null,
      deliveryAttempts: 1,
      lastError: null,
      deliveredAt: createdAt + 60_000,
      acknowledgedAt: null,
      outcomeAt: acceptedAt,
      createdAt,
      updatedAt: acceptedAt ?? createdAt + 60_000,
    });
    eventRows.push({ leadId, type: "created", at: createdAt, detail: `routed to ${partner.id}` });
    eventRows.push({ leadId, type: "delivered", at: createdAt + 60_000, detail: "fetched from the inbox" });
    if (acceptedAt !== null) {
      eventRows.push({ leadId, type: "outcome", at: acceptedAt, detail: "accepted" });
      const amount = 4_990 + (k % 3) * 5_000;
      dealRows.push({
        id: input.demoId("dl", `campaign-${k}`, requireSlotOfId(clientId)),
        clientId,
        serviceId: pool.id,
        companyId: partner.id,
        leadId,
        outcome: "accepted",
        amount,
        commission: Math.round(amount * partner.commissionRate * 100) / 100,
        reportedBy: "partner",
        occurredAt: acceptedAt,
        createdAt: Math.min(now, acceptedAt + 1000),
      });
    }
  }
  writers.control.insert(botOffers, offerRows);
  writers.insertByClient(leads, leadRows, (row) => row.id);
  writers.insertByClient(leadEvents, eventRows, (row) => row.leadId);
  writers.insertByClient(deals, dealRows, (row) => row.clientId);
  return { botPersons: personRows.length, campaignOffers: offerRows.length, campaignDeals: dealRows.length };
}
