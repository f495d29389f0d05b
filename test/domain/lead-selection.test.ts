import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { assignArm } from "../../src/domain/experiments";
import { type LeadSelectionInput, type RatedService, selectLeads } from "../../src/domain/lead-selection";
import { seededRandom } from "../../src/domain/random";

const NOW = Date.UTC(2026, 10, 22, 12);

function rated(serviceIndex: number, category: string, companyId: string, rating: number): RatedService {
  return {
    serviceIndex,
    serviceId: `svc_${serviceIndex}`,
    serviceCode: `s${serviceIndex}`,
    category,
    companyId,
    rating,
    reasons: [`reason ${serviceIndex}`],
  };
}

function input(services: RatedService[], overrides: Partial<LeadSelectionInput> = {}): LeadSelectionInput {
  return {
    rated: services,
    clientId: "cl_client",
    threshold: () => 50,
    experiments: [],
    duplicateServices: new Set(),
    companies: {
      co_a: { status: "active", dailyLeadCap: null, leadsToday: 0 },
      co_b: { status: "active", dailyLeadCap: null, leadsToday: 0 },
    },
    policies: { insurance: { strategy: "priority", order: ["co_a", "co_b"] } },
    stats: {},
    client: { usedCategories: [], declines: [], openLeads: [] },
    maxLeads: 3,
    now: NOW,
    exclusivityWindowMs: 30 * 86_400_000,
    declineCooldownMs: 90 * 86_400_000,
    random: seededRandom(1),
    ...overrides,
  };
}

describe("selectLeads", () => {
  it("keeps only ratings at or above the service's threshold and routes one company per category", () => {
    const services = [
      rated(0, "insurance", "co_a", 81),
      rated(1, "insurance", "co_b", 90),
      rated(2, "fitness", "co_b", 49.9),
      rated(3, "fitness", "co_a", 50),
    ];
    const { outcomes } = selectLeads(input(services));
    const byCode = Object.fromEntries(outcomes.map((o) => [o.service.serviceCode, o]));
    expect(byCode.s2.decision).toBe("below_threshold");
    expect(byCode.s3.decision).toBe("lead");
    // priority order puts co_a first even though co_b's service is rated higher
    expect(byCode.s0.decision).toBe("lead");
    expect(byCode.s1.decision).toBe("not_routed");
    expect(byCode.s1.note).toContain("lost the competition");
    expect(outcomes.map((o) => o.service.rating)).toEqual([90, 81, 50, 49.9]);
  });

  it("marks duplicates, paused and capped companies with their own decisions", () => {
    const services = [
      rated(0, "insurance", "co_a", 80),
      rated(1, "insurance", "co_b", 70),
      rated(2, "fitness", "co_a", 75),
    ];
    const paused = selectLeads(
      input(services, {
        companies: {
          co_a: { status: "paused", dailyLeadCap: null, leadsToday: 0 },
          co_b: { status: "active", dailyLeadCap: 2, leadsToday: 2 },
        },
      }),
    );
    const decisions = Object.fromEntries(paused.outcomes.map((o) => [o.service.serviceCode, o.decision]));
    expect(decisions).toEqual({ s0: "not_routed", s1: "capped", s2: "not_routed" });
    const duplicate = selectLeads(input(services, { duplicateServices: new Set(["svc_0"]) }));
    const dup = Object.fromEntries(duplicate.outcomes.map((o) => [o.service.serviceCode, o.decision]));
    expect(dup.s0).toBe("duplicate");
    expect(dup.s1).toBe("lead");
  });

  it("holds out control-group clients: their candidates become control and never reach routing", () => {
    const experiment = {
      id: "exp_1",
      scopeType: "category" as const,
      scopeId: "insurance",
      holdoutShare: 0.5,
      startsAt: NOW - 1,
      endsAt: NOW + 1,
    };
    let controls = 0;
    for (let i = 0; i < 50; i++) {
      const clientId = `cl_${i}`;
      const { outcomes, routing } = selectLeads(
        input([rated(0, "insurance", "co_a", 80), rated(1, "fitness", "co_b", 80)], {
          clientId,
          experiments: [experiment],
        }),
      );
      const insurance = outcomes.find((o) => o.service.category === "insurance")!;
      const fitness = outcomes.find((o) => o.service.category === "fitness")!;
      expect(fitness.decision).toBe("lead");
      expect(fitness.experimentId).toBeNull();
      if (assignArm("exp_1", clientId, 0.5) === "control") {
        controls++;
        expect(insurance.decision).toBe("control");
        expect(routing.routed.some((r) => r.category === "insurance")).toBe(false);
      } else {
        expect(insurance.decision).toBe("lead");
      }
      expect(insurance.experimentId).toBe("exp_1");
    }
    expect(controls).toBeGreaterThan(10);
    expect(controls).toBeLessThan(40);
  });

  it("property: every rated service gets exactly one decision, leads respect thresholds, the request cap and one per category", () => {
    const arbitraryService = fc.record({
      category: fc.constantFrom("insurance", "fitness", "telecom", "cards"),
      companyId: fc.constantFrom("co_a", "co_b"),
      rating: fc.double({ min: 0, max: 100, noNaN: true }),
    });
    fc.assert(
      fc.property(
        fc.array(arbitraryService, { maxLength: 30 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 5 }),
        (list, threshold, maxLeads) => {
          const services = list.map((s, i) => rated(i, s.category, s.companyId, s.rating));
          const { outcomes } = selectLeads(input(services, { threshold: () => threshold, maxLeads }));
          expect(outcomes).toHaveLength(services.length);
          expect(new Set(outcomes.map((o) => o.service.serviceId)).size).toBe(services.length);
          const leads = outcomes.filter((o) => o.decision === "lead");
          expect(leads.length).toBeLessThanOrEqual(maxLeads);
          expect(new Set(leads.map((o) => o.service.category)).size).toBe(leads.length);
          for (const o of outcomes) {
            if (o.service.rating < threshold) expect(o.decision).toBe("below_threshold");
            else expect(o.decision).not.toBe("below_threshold");
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
