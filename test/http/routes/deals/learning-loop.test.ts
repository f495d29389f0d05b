/**
 * The loop: a reported deal reaches the interaction matrix at once (what the client's next
 * recommendation is computed from), and deals on leads — from a CRM or a partner's inbox — move the
 * measured acceptance that `performance` routing shares leads by.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { seededRandom } from "../../../../src/domain/random";
import { type CompanyCategoryStats, resolveCompetition } from "../../../../src/domain/routing";
import {
  loadServiceAcceptance,
  type PerformanceCounts,
  performanceByCategory,
} from "../../../../src/storage/analytics";
import { getClientInteractions } from "../../../../src/storage/clients";
import { services } from "../../../../src/storage/schema";
import { api, db, seedService, seedTenant, shardD1s, shardDbOf } from "../../../harness";
import { postDeal, putClient, seedLead } from "../analytics/fixtures";

const CATEGORY = "loop-cards";
type Tenant = Awaited<ReturnType<typeof seedTenant>>;
let bank: Tenant;
let rival: Tenant;
let bankCard: { id: string; code: string; modelIndex: number };
let rivalCard: { id: string; code: string; modelIndex: number };

beforeAll(async () => {
  bank = await seedTenant("Loop bank");
  rival = await seedTenant("Loop rival");
  bankCard = await seedService(bank.company.id, { code: "loop-bank-card", category: CATEGORY });
  rivalCard = await seedService(rival.company.id, { code: "loop-rival-card", category: CATEGORY });
});

/** Share of `decisions` routing decisions the bank wins, both companies offering an 85-rated card. */
function bankShare(counts: PerformanceCounts, decisions = 400): number {
  const random = seededRandom(11);
  const stats: Record<string, CompanyCategoryStats> = {};
  for (const [companyId, c] of Object.entries(counts[CATEGORY] ?? {})) stats[companyId] = { routed: 0, ...c };
  let bankWins = 0;
  for (let i = 0; i < decisions; i++) {
    const result = resolveCompetition({
      candidates: [bankCard, rivalCard].map((service, index) => ({
        serviceIndex: service.modelIndex,
        serviceId: service.id,
        serviceCode: service.code,
        category: CATEGORY,
        companyId: index === 0 ? bank.company.id : rival.company.id,
        rating: 85,
        reasons: [],
      })),
      companies: {
        [bank.company.id]: { status: "active", dailyLeadCap: null, leadsToday: 0 },
        [rival.company.id]: { status: "active", dailyLeadCap: null, leadsToday: 0 },
      },
      policies: { [CATEGORY]: { strategy: "performance", exploration: 0 } },
      stats: { [CATEGORY]: stats },
      client: { usedCategories: [], declines: [], openLeads: [] },
      maxLeads: 1,
      now: Date.now(),
      exclusivityWindowMs: 0,
      declineCooldownMs: 0,
      random,
    });
    if (result.routed[0]?.winner.companyId === bank.company.id) bankWins++;
  }
  return bankWins / decisions;
}

/** Measured acceptance over every shard, grouped by category (as the lead call reads it), optionally one category. */
async function performanceIn(category?: string): Promise<PerformanceCounts> {
  const catalog = await db().select().from(services);
  const categoryOf = new Map(catalog.map((service) => [service.id, service.category]));
  const counts = performanceByCategory(await loadServiceAcceptance(shardD1s(), { since: 0 }), (id) =>
    categoryOf.get(id),
  );
  if (category === undefined) return counts;
  return category in counts ? { [category]: counts[category] } : {};
}

describe("the learning loop", () => {
  it("a deal is in the client's matrix row at once: what the next recommendation is computed from", async () => {
    const clientId = await putClient(bank.crmKey, "loop-client");
    expect(await getClientInteractions({ shard: shardDbOf(clientId), control: db() }, clientId)).toEqual([]);
    await postDeal(bank.crmKey, { external_id: "loop-client", service: bankCard.code, outcome: "accepted" });
    const row = await getClientInteractions({ shard: shardDbOf(clientId), control: db() }, clientId);
    expect(row).toMatchObject([{ serviceId: bankCard.id, value: 1, source: "deal" }]);
    // The CRM's own view of the client shows it too.
    const view = await api("GET", "/v1/clients/loop-client", { key: bank.crmKey });
    expect(view.body.interactions).toMatchObject([{ service_code: bankCard.code, value: 1, source: "deal" }]);
  });

  it("accepted and declined deals on leads (CRM and partner inbox alike) shift performance routing", async () => {
    const before = await performanceIn(CATEGORY);
    expect(before).toEqual({});
    const neutral = bankShare(before);
    expect(neutral).toBeGreaterThan(0.35);
    expect(neutral).toBeLessThan(0.65);

    for (let i = 0; i < 10; i++) {
      const externalId = `loop-lead-client-${i}`;
      const clientId = await putClient(bank.crmKey, externalId);
      // The bank's own lead, answered by its CRM: 9 of 10 accepted.
      const bankLead = await seedLead({
        clientId,
        serviceId: bankCard.id,
        sourceCompanyId: bank.company.id,
        targetCompanyId: bank.company.id,
      });
      const bankDeal = await postDeal(bank.crmKey, {
        external_id: externalId,
        service: bankCard.code,
        outcome: i < 9 ? "accepted" : "declined",
        lead_id: bankLead,
      });
      expect(bankDeal.status).toBe(201);
      // The rival's lead for the same client, answered through its inbox: 2 of 10 accepted.
      const rivalLead = await seedLead({
        clientId,
        serviceId: rivalCard.id,
        sourceCompanyId: bank.company.id,
        targetCompanyId: rival.company.id,
      });
      const outcome = await api("POST", `/v1/partner/leads/${rivalLead}/outcome`, {
        key: rival.partnerKey,
        body: { outcome: i < 2 ? "accepted" : "declined" },
      });
      expect(outcome.status).toBe(200);
    }

    const after = await performanceIn(CATEGORY);
    expect(after).toEqual({
      [CATEGORY]: {
        [bank.company.id]: { accepted: 9, declined: 1 },
        [rival.company.id]: { accepted: 2, declined: 8 },
      },
    });
    expect(bankShare(after)).toBeGreaterThan(0.9);
    // Other categories are not read when one is asked for; all are without a filter.
    expect(Object.keys(await performanceIn())).toContain(CATEGORY);
    expect(await performanceIn("no-such-category")).toEqual({});
  });
});
