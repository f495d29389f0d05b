import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../src/domain/random";
import {
  type CompanyRoutingState,
  type RoutingCandidate,
  type RoutingInput,
  resolveCompetition,
} from "../../src/domain/routing";
import { QUALITY_PRIOR_RATINGS, QUALITY_PRIOR_STARS, qualityScore } from "../../src/domain/routing-quality";
import { validateSettingChanges } from "../../src/domain/settings";

const NOW = Date.UTC(2026, 11, 1, 12, 0, 0);
const DAY = 86_400_000;

function candidate(companyId: string, rating: number): RoutingCandidate {
  return {
    serviceIndex: companyId.length,
    serviceId: `svc_${companyId}`,
    serviceCode: `${companyId}-ins`,
    category: "insurance",
    companyId,
    rating,
    reasons: [],
  };
}

function company(quality: CompanyRoutingState["quality"], name?: string): CompanyRoutingState {
  return { status: "active", dailyLeadCap: null, leadsToday: 0, quality, ...(name ? { name } : {}) };
}

function input(
  candidates: RoutingCandidate[],
  companies: Record<string, CompanyRoutingState>,
  strategy: "quality" | "priority" = "quality",
): RoutingInput {
  return {
    candidates,
    companies,
    policies: { insurance: { strategy } },
    stats: {},
    client: { usedCategories: [], declines: [], openLeads: [] },
    maxLeads: 5,
    now: NOW,
    exclusivityWindowMs: 7 * DAY,
    declineCooldownMs: 30 * DAY,
    random: seededRandom(7),
  };
}

describe("quality routing (opt-in strategy)", () => {
  it("shrinks a company's mean stars towards the neutral prior by how few ratings it has", () => {
    expect(qualityScore(null)).toBe(QUALITY_PRIOR_STARS);
    expect(qualityScore({ meanStars: 5, ratings: 0 })).toBe(QUALITY_PRIOR_STARS);
    // One five-star rating: (5 + 3·5) / 6.
    expect(qualityScore({ meanStars: 5, ratings: 1 })).toBeCloseTo(20 / 6, 10);
    expect(qualityScore({ meanStars: 4.8, ratings: 100 })).toBeCloseTo((480 + 15) / 105, 10);
    fc.assert(
      fc.property(fc.double({ min: 1, max: 5, noNaN: true }), fc.nat(10_000), (mean, n) => {
        const score = qualityScore({ meanStars: mean, ratings: n });
        expect(score).toBeGreaterThanOrEqual(Math.min(mean, QUALITY_PRIOR_STARS) - 1e-9);
        expect(score).toBeLessThanOrEqual(Math.max(mean, QUALITY_PRIOR_STARS) + 1e-9);
        // More ratings of the same mean move the score further from the prior, never back.
        const more = qualityScore({ meanStars: mean, ratings: n + 1 });
        expect(Math.abs(more - QUALITY_PRIOR_STARS)).toBeGreaterThanOrEqual(
          Math.abs(score - QUALITY_PRIOR_STARS) - 1e-12,
        );
      }),
    );
    expect(QUALITY_PRIOR_RATINGS).toBeGreaterThan(0);
  });

  it("routes to the better-rated company even against a higher lead rating, and says why", () => {
    const candidates = [candidate("co_a", 90), candidate("co_b", 70)];
    const companies = {
      co_a: company({ meanStars: 2.1, ratings: 40 }, "Cheap Insurer"),
      co_b: company({ meanStars: 4.7, ratings: 30 }, "Good Insurer"),
    };
    const [routed] = resolveCompetition(input(candidates, companies)).routed;
    expect(routed.winner.companyId).toBe("co_b");
    expect(routed.policy).toEqual({ strategy: "quality", source: "configured" });
    expect(routed.reason).toContain("Quality rating: Good Insurer");
    expect(routed.reason).toContain("4.7 stars from 30 rating(s)");
    const scores = Object.fromEntries(routed.alternatives.map((a) => [a.companyId, a.score]));
    expect(scores.co_b).toBeGreaterThan(scores.co_a!);
    expect(routed.alternatives.map((a) => a.selectionProbability).sort()).toEqual([0, 1]);

    // The same market under the default strategy goes by lead rating: the quality input is opt-in.
    const [byPriority] = resolveCompetition(input(candidates, companies, "priority")).routed;
    expect(byPriority.winner.companyId).toBe("co_a");
  });

  it("does not let one five-star rating beat a long record of good ones", () => {
    const candidates = [candidate("co_a", 80), candidate("co_b", 80)];
    const companies = {
      co_a: company({ meanStars: 5, ratings: 1 }),
      co_b: company({ meanStars: 4.6, ratings: 50 }),
    };
    expect(resolveCompetition(input(candidates, companies)).routed[0].winner.companyId).toBe("co_b");
  });

  it("falls back to the lead rating when no company is rated, and skips paused companies as always", () => {
    const candidates = [candidate("co_a", 60), candidate("co_b", 75)];
    const unrated = resolveCompetition(input(candidates, { co_a: company(null), co_b: company(undefined) }));
    expect(unrated.routed[0].winner.companyId).toBe("co_b");
    expect(unrated.routed[0].reason).toContain("not rated yet");
    const paused = resolveCompetition(
      input(candidates, {
        co_a: company({ meanStars: 2, ratings: 10 }),
        co_b: { ...company({ meanStars: 5, ratings: 10 }), status: "paused" },
      }),
    );
    expect(paused.routed[0].winner.companyId).toBe("co_a");
  });

  it("is a routing strategy admins can set per category", () => {
    const catalog = { companies: [], services: [{ id: "svc_a", companyId: "co_a", category: "insurance" }] };
    const change = {
      scope: "category" as const,
      scope_id: "insurance",
      key: "routing" as const,
      value: { strategy: "quality" },
    };
    const { changes, problems } = validateSettingChanges([change], catalog);
    expect(problems).toEqual([]);
    expect(changes).toHaveLength(1);
    const wrong = validateSettingChanges([{ ...change, value: { strategy: "quality", order: ["co_a"] } }], catalog);
    expect(wrong.problems).not.toEqual([]);
  });
});
