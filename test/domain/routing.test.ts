import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { BetaSampler, seededRandom } from "../../src/domain/random";
import {
  type CategoryRoutingPolicy,
  type CompanyCategoryStats,
  type CompanyRoutingState,
  type RoutingCandidate,
  type RoutingInput,
  resolveCompetition,
} from "../../src/domain/routing";

const NOW = Date.UTC(2026, 10, 20, 12, 0, 0);
const DAY = 86_400_000;

let serviceCounter = 0;
function candidate(companyId: string, category: string, rating: number, code?: string): RoutingCandidate {
  serviceCounter++;
  return {
    serviceIndex: serviceCounter,
    serviceId: `svc_${code ?? `${companyId}_${category}`}`,
    serviceCode: code ?? `${companyId}-${category}`,
    category,
    companyId,
    rating,
    reasons: [`${category} fits the client`],
  };
}

function active(leadsToday = 0, dailyLeadCap: number | null = null): CompanyRoutingState {
  return { status: "active", dailyLeadCap, leadsToday };
}

function input(overrides: Partial<RoutingInput> & Pick<RoutingInput, "candidates">): RoutingInput {
  const companies: Record<string, CompanyRoutingState> = {};
  for (const c of overrides.candidates) companies[c.companyId] = active();
  return {
    companies,
    policies: {},
    stats: {},
    client: { usedCategories: [], declines: [], openLeads: [] },
    maxLeads: 5,
    now: NOW,
    exclusivityWindowMs: 7 * DAY,
    declineCooldownMs: 30 * DAY,
    random: seededRandom(1),
    ...overrides,
  };
}

function stats(entries: Record<string, Partial<CompanyCategoryStats>>): Record<string, CompanyCategoryStats> {
  const out: Record<string, CompanyCategoryStats> = {};
  for (const [id, s] of Object.entries(entries)) out[id] = { routed: 0, accepted: 0, declined: 0, ...s };
  return out;
}

describe("priority strategy", () => {
  const policy: CategoryRoutingPolicy = { strategy: "priority", order: ["co_b", "co_a"] };

  it("follows the admin order even against a higher rating", () => {
    const result = resolveCompetition(
      input({
        candidates: [candidate("co_a", "cards", 95), candidate("co_b", "cards", 81)],
        policies: { cards: policy },
      }),
    );
    expect(result.routed).toHaveLength(1);
    const [lead] = result.routed;
    expect(lead.winner.companyId).toBe("co_b");
    expect(lead.reason).toMatch(/priority order/);
    expect(lead.policy).toEqual({ strategy: "priority", order: ["co_b", "co_a"], source: "configured" });
    expect(lead.alternatives.map((a) => [a.companyId, a.eligible, a.score, a.selectionProbability])).toEqual([
      ["co_a", true, 1, 0],
      ["co_b", true, 2, 1],
    ]);
  });

  it("ranks companies outside the order after it, by rating", () => {
    const result = resolveCompetition(
      input({
        candidates: [candidate("co_x", "cards", 99), candidate("co_a", "cards", 70), candidate("co_y", "cards", 98)],
        policies: { cards: policy },
      }),
    );
    expect(result.routed[0].winner.companyId).toBe("co_a");

    const unlisted = resolveCompetition(
      input({
        candidates: [candidate("co_x", "cards", 90), candidate("co_y", "cards", 97)],
        policies: { cards: policy },
      }),
    );
    expect(unlisted.routed[0].winner.companyId).toBe("co_y");
    expect(unlisted.routed[0].reason).toMatch(/best rating/);
  });

  it("uses the default policy (rating, then company id) when the category has none", () => {
    const result = resolveCompetition(
      input({
        candidates: [candidate("co_z", "loans", 88), candidate("co_m", "loans", 88), candidate("co_q", "loans", 80)],
      }),
    );
    expect(result.routed[0].winner.companyId).toBe("co_m");
    expect(result.routed[0].policy.source).toBe("default");
  });

  it("breaks ties the same way whatever the input order (property)", () => {
    const base = [
      candidate("co_c", "ins", 80, "c1"),
      candidate("co_a", "ins", 80, "a1"),
      candidate("co_b", "ins", 80, "b1"),
      candidate("co_a", "ins", 80, "a0"),
    ];
    fc.assert(
      fc.property(fc.shuffledSubarray(base, { minLength: base.length, maxLength: base.length }), (shuffled) => {
        const result = resolveCompetition(input({ candidates: shuffled }));
        expect(result.routed[0].winner.serviceCode).toBe("a0");
        expect(result.routed[0].alternatives.map((a) => a.serviceCode)).toEqual(["a0", "a1", "b1", "c1"]);
      }),
      { numRuns: 50 },
    );
  });
});

describe("eligibility, caps and pause", () => {
  const policies = { cards: { strategy: "priority", order: ["co_a", "co_b", "co_c"] } as CategoryRoutingPolicy };
  const cards = () => [candidate("co_a", "cards", 90), candidate("co_b", "cards", 85), candidate("co_c", "cards", 80)];

  it("skips a paused company to the next one", () => {
    const result = resolveCompetition(
      input({
        candidates: cards(),
        policies,
        companies: { co_a: { status: "paused", dailyLeadCap: null, leadsToday: 0 }, co_b: active(), co_c: active() },
      }),
    );
    const lead = result.routed[0];
    expect(lead.winner.companyId).toBe("co_b");
    expect(lead.alternatives[0]).toMatchObject({
      companyId: "co_a",
      eligible: false,
      excludedBecause: "company_paused",
      score: null,
    });
    expect(lead.reason).toContain("co_a (company paused)");
  });

  it("skips a company at its daily cap, and counts leads routed earlier in the same call", () => {
    const result = resolveCompetition(
      input({
        candidates: [...cards(), candidate("co_a", "loans", 99), candidate("co_c", "loans", 70)],
        policies: { ...policies, loans: { strategy: "priority", order: ["co_a", "co_c"] } },
        companies: { co_a: active(4, 5), co_b: active(10, 10), co_c: active() },
      }),
    );
    // loans (best rating 99) is served first and uses co_a's last lead of the day.
    expect(result.routed.map((r) => [r.category, r.winner.companyId])).toEqual([
      ["loans", "co_a"],
      ["cards", "co_c"],
    ]);
    const cardsLead = result.routed[1];
    expect(cardsLead.alternatives.map((a) => a.excludedBecause)).toEqual([
      "daily_cap_reached",
      "daily_cap_reached",
      undefined,
    ]);
  });

  it("reports a category as not routed when no company is eligible", () => {
    const result = resolveCompetition(
      input({
        candidates: cards(),
        policies,
        companies: { co_a: { status: "paused", dailyLeadCap: null, leadsToday: 0 }, co_b: active(3, 3) },
      }),
    );
    expect(result.routed).toEqual([]);
    expect(result.notRouted).toHaveLength(1);
    expect(result.notRouted[0]).toMatchObject({ category: "cards", reason: "no_eligible_company" });
    expect(result.notRouted[0].message).toContain("co_a (company paused)");
    expect(result.notRouted[0].message).toContain("co_b (daily cap reached)");
    expect(result.notRouted[0].message).toContain("co_c (company unknown)");
  });

  it("does not offer a category the client uses or recently declined", () => {
    const used = resolveCompetition(
      input({ candidates: cards(), client: { usedCategories: ["cards"], declines: [], openLeads: [] } }),
    );
    expect(used.notRouted[0].reason).toBe("category_in_use");

    const declinedRecently = resolveCompetition(
      input({
        candidates: cards(),
        client: { usedCategories: [], declines: [{ category: "cards", at: NOW - DAY }], openLeads: [] },
      }),
    );
    expect(declinedRecently.notRouted[0].reason).toBe("category_declined_recently");

    const declinedLongAgo = resolveCompetition(
      input({
        candidates: cards(),
        client: { usedCategories: [], declines: [{ category: "cards", at: NOW - 31 * DAY }], openLeads: [] },
      }),
    );
    expect(declinedLongAgo.routed).toHaveLength(1);
  });

  it("respects the exclusivity window of an open lead", () => {
    const open = { category: "cards", companyId: "co_b", createdAt: NOW - 2 * DAY };
    const held = resolveCompetition(
      input({ candidates: cards(), policies, client: { usedCategories: [], declines: [], openLeads: [open] } }),
    );
    expect(held.routed).toEqual([]);
    expect(held.notRouted[0].reason).toBe("open_lead_in_category");
    expect(held.notRouted[0].alternatives.map((a) => a.excludedBecause)).toEqual([
      "exclusivity_held_by_other_company",
      "open_lead_in_category",
      "exclusivity_held_by_other_company",
    ]);

    const expired = resolveCompetition(
      input({
        candidates: cards(),
        policies,
        client: { usedCategories: [], declines: [], openLeads: [{ ...open, createdAt: NOW - 8 * DAY }] },
      }),
    );
    expect(expired.routed[0].winner.companyId).toBe("co_a");
  });

  it("lets one company compete with its best service only", () => {
    const result = resolveCompetition(
      input({
        candidates: [
          candidate("co_a", "cards", 70, "a-basic"),
          candidate("co_a", "cards", 92, "a-gold"),
          candidate("co_b", "cards", 80),
        ],
      }),
    );
    expect(result.routed[0].winner.serviceCode).toBe("a-gold");
    expect(result.routed[0].alternatives.find((a) => a.serviceCode === "a-basic")?.excludedBecause).toBe(
      "better_service_of_same_company",
    );
  });

  it("routes at most one lead per category and at most maxLeads per call, best categories first", () => {
    const result = resolveCompetition(
      input({
        candidates: [
          candidate("co_a", "cards", 70),
          candidate("co_a", "loans", 95),
          candidate("co_b", "ins", 88),
          candidate("co_b", "cards", 75),
        ],
        maxLeads: 2,
      }),
    );
    expect(result.routed.map((r) => r.category)).toEqual(["loans", "ins"]);
    expect(result.notRouted).toEqual([expect.objectContaining({ category: "cards", reason: "request_limit_reached" })]);

    const none = resolveCompetition(input({ candidates: [candidate("co_a", "cards", 70)], maxLeads: 0 }));
    expect(none.routed).toEqual([]);
    expect(none.notRouted[0].reason).toBe("request_limit_reached");
  });
});

describe("weighted strategy", () => {
  it("picks the company furthest below its share and records the deficits", () => {
    const result = resolveCompetition(
      input({
        candidates: [candidate("co_a", "cards", 90), candidate("co_b", "cards", 80)],
        policies: { cards: { strategy: "weighted", weights: { co_a: 3, co_b: 1 } } },
        stats: { cards: stats({ co_a: { routed: 3 }, co_b: { routed: 0 } }) },
      }),
    );
    // shares 0.75 / 0.25 with 3 leads routed: deficits 0.75×4−3 = 0 and 0.25×4−0 = 1.
    expect(result.routed[0].winner.companyId).toBe("co_b");
    expect(result.routed[0].alternatives.map((a) => a.score)).toEqual([0, 1]);
    expect(result.routed[0].reason).toMatch(/Weighted rotation/);
  });

  it("converges to the configured shares over many calls (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 2, maxLength: 5 }),
        fc.integer({ min: 50, max: 400 }),
        (weights, calls) => {
          const ids = weights.map((_, i) => `co_${i}`);
          const routed: Record<string, number> = Object.fromEntries(ids.map((id) => [id, 0]));
          const policy: CategoryRoutingPolicy = {
            strategy: "weighted",
            weights: Object.fromEntries(ids.map((id, i) => [id, weights[i]])),
          };
          const candidates = ids.map((id) => candidate(id, "cards", 80));
          for (let call = 0; call < calls; call++) {
            const result = resolveCompetition(
              input({
                candidates,
                policies: { cards: policy },
                stats: {
                  cards: Object.fromEntries(ids.map((id) => [id, { routed: routed[id], accepted: 0, declined: 0 }])),
                },
              }),
            );
            routed[result.routed[0].winner.companyId]++;
          }
          const total = weights.reduce((a, b) => a + b, 0);
          for (let i = 0; i < ids.length; i++) {
            // Deficit rotation never lets a company drift a whole lead from its exact share.
            expect(Math.abs(routed[ids[i]] - (calls * weights[i]) / total)).toBeLessThanOrEqual(1);
          }
        },
      ),
      { numRuns: 25 },
    );
  });

  it("renormalizes shares over the eligible companies and falls back to unlisted ones", () => {
    const pausedA = resolveCompetition(
      input({
        candidates: [candidate("co_a", "cards", 90), candidate("co_b", "cards", 80), candidate("co_x", "cards", 99)],
        policies: { cards: { strategy: "weighted", weights: { co_a: 9, co_b: 1 } } },
        companies: { co_a: { status: "paused", dailyLeadCap: null, leadsToday: 0 }, co_b: active(), co_x: active() },
        stats: { cards: stats({ co_b: { routed: 50 } }) },
      }),
    );
    // co_x has no weight: co_b (now 100% of the eligible share) wins despite its 50 leads.
    expect(pausedA.routed[0].winner.companyId).toBe("co_b");

    const onlyUnlisted = resolveCompetition(
      input({
        candidates: [candidate("co_x", "cards", 70), candidate("co_y", "cards", 75)],
        policies: { cards: { strategy: "weighted", weights: { co_a: 1 } } },
        stats: { cards: stats({ co_y: { routed: 1 } }) },
      }),
    );
    expect(onlyUnlisted.routed[0].winner.companyId).toBe("co_x");
  });
});

describe("performance strategy (Thompson sampling)", () => {
  const candidates = [candidate("co_good", "ins", 80), candidate("co_bad", "ins", 80)];

  function winsOf(
    counts: Record<string, Partial<CompanyCategoryStats>>,
    exploration: number | undefined,
    runs: number,
    seed: number,
  ) {
    const random = seededRandom(seed);
    const wins: Record<string, number> = { co_good: 0, co_bad: 0 };
    let propensitySum = 0;
    for (let i = 0; i < runs; i++) {
      const result = resolveCompetition(
        input({
          candidates,
          policies: { ins: { strategy: "performance", ...(exploration === undefined ? {} : { exploration }) } },
          stats: { ins: stats(counts) },
          random,
        }),
      );
      const lead = result.routed[0];
      wins[lead.winner.companyId]++;
      propensitySum += lead.alternatives.find((a) => a.companyId === "co_good")!.selectionProbability;
      const total = lead.alternatives.reduce((sum, a) => sum + a.selectionProbability, 0);
      expect(total).toBeCloseTo(1, 3);
    }
    return { wins, meanPropensity: propensitySum / runs };
  }

  it("picks the clearly better company almost always, the other only as exploration", () => {
    const counts = { co_good: { accepted: 40, declined: 10 }, co_bad: { accepted: 10, declined: 40 } };
    const pure = winsOf(counts, 0, 400, 7);
    expect(pure.wins.co_good).toBeGreaterThan(395);
    // Default exploration share 0.1: about 5% of the leads go to the weaker company on purpose.
    const { wins, meanPropensity } = winsOf(counts, undefined, 800, 7);
    expect(wins.co_good).toBeGreaterThan(720);
    expect(wins.co_bad).toBeGreaterThan(15);
    expect(meanPropensity).toBeCloseTo(0.95, 2);
  });

  it("mostly picks the better of two close companies but still explores the other", () => {
    const { wins, meanPropensity } = winsOf(
      { co_good: { accepted: 12, declined: 18 }, co_bad: { accepted: 9, declined: 21 } },
      undefined,
      600,
      11,
    );
    expect(wins.co_good).toBeGreaterThan(330);
    expect(wins.co_bad).toBeGreaterThan(60);
    // The recorded propensity matches the observed win rate.
    expect(Math.abs(meanPropensity - wins.co_good / 600)).toBeLessThan(0.06);
  });

  it("explores a company without history", () => {
    const { wins } = winsOf({ co_good: { accepted: 30, declined: 70 } }, undefined, 400, 3);
    // co_bad has no data: Beta(1,1) beats Beta(31,71) about two times in three.
    expect(wins.co_bad).toBeGreaterThan(200);
    expect(wins.co_good).toBeGreaterThan(50);
  });

  it("explores more with a larger exploration share", () => {
    const counts = { co_good: { accepted: 60, declined: 40 }, co_bad: { accepted: 40, declined: 60 } };
    const none = winsOf(counts, 0, 500, 5);
    const half = winsOf(counts, 0.5, 500, 5);
    const all = winsOf(counts, 1, 500, 5);
    expect(none.wins.co_bad).toBeLessThan(15);
    expect(half.wins.co_bad).toBeGreaterThan(none.wins.co_bad + 80);
    expect(Math.abs(all.wins.co_bad - 250)).toBeLessThan(50);
    expect(all.meanPropensity).toBeCloseTo(0.5, 5);
  });

  it("says in the reason and the record when a pick was exploration", () => {
    const result = resolveCompetition(
      input({
        candidates,
        policies: { ins: { strategy: "performance", exploration: 1 } },
        stats: { ins: stats({ co_good: { accepted: 9, declined: 1 } }) },
      }),
    );
    expect(result.routed[0].explored).toBe(true);
    expect(result.routed[0].reason).toMatch(/^Exploration \(share 1\)/);
    expect(result.routed[0].policy).toEqual({ strategy: "performance", exploration: 1, source: "configured" });
  });

  it("accepts the settings' resolved routing rule (null fields) as a policy", () => {
    const result = resolveCompetition(
      input({
        candidates: [candidate("co_a", "ins", 70), candidate("co_b", "ins", 90)],
        policies: { ins: { strategy: "priority", order: ["co_a", "co_b"], weights: null, exploration: null } },
      }),
    );
    expect(result.routed[0].winner.companyId).toBe("co_a");
    expect(result.routed[0].policy).toEqual({ strategy: "priority", order: ["co_a", "co_b"], source: "configured" });
  });

  it("is deterministic for a fixed seed", () => {
    const candidates = [candidate("co_a", "ins", 80), candidate("co_b", "ins", 81), candidate("co_c", "ins", 79)];
    const make = (seed: number) =>
      resolveCompetition(
        input({
          candidates,
          policies: { ins: { strategy: "performance" } },
          stats: { ins: stats({ co_a: { accepted: 5, declined: 5 }, co_b: { accepted: 4, declined: 6 } }) },
          random: seededRandom(seed),
        }),
      );
    expect(make(42)).toEqual(make(42));
    const winners = new Set(Array.from({ length: 30 }, (_, seed) => make(seed).routed[0].winner.companyId));
    expect(winners.size).toBeGreaterThan(1);
  });
});

describe("BetaSampler (Marsaglia–Tsang)", () => {
  it.each([
    [1, 1],
    [2, 5],
    [31, 71],
    [0.5, 0.5],
    [0.3, 2],
  ])("draws Beta(%d, %d) with the right mean and variance", (alpha, beta) => {
    const sampler = new BetaSampler(seededRandom(123));
    const n = 40_000;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < n; i++) {
      const x = sampler.next(alpha, beta);
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThanOrEqual(1);
      sum += x;
      sumSq += x * x;
    }
    const mean = sum / n;
    const variance = sumSq / n - mean * mean;
    const expectedMean = alpha / (alpha + beta);
    const expectedVariance = (alpha * beta) / ((alpha + beta) ** 2 * (alpha + beta + 1));
    expect(Math.abs(mean - expectedMean)).toBeLessThan(4 * Math.sqrt(expectedVariance / n) + 1e-4);
    expect(Math.abs(variance - expectedVariance) / expectedVariance).toBeLessThan(0.05);
  });

  it("refuses a non-positive shape", () => {
    expect(() => new BetaSampler(seededRandom(1)).gamma(0)).toThrow(RangeError);
  });
});
