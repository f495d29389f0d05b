import { describe, expect, it } from "vitest";
import { GENDER_FEMALE } from "../../../src/domain/dataset";
import {
  mineAssociationRules,
  needInferenceRules,
  ruleStatistics,
  Z_95,
} from "../../../src/domain/needs/association-rules";
import {
  type ClientNeed,
  crmNeedStatements,
  effectiveNeeds,
  intakeNeedsSchema,
  restatedCrmNeeds,
  sameCrmNeeds,
} from "../../../src/domain/needs/client-needs";
import {
  indexNeedRules,
  MAX_NEED_BOOST,
  MAX_RULE_STRENGTH,
  needBoostFor,
  ruleStrength,
} from "../../../src/domain/needs/need-boost";
import { scoreClient } from "../../../src/domain/recommender";
import { clientOf, plantedModel, SERVICE_NAMES } from "../recommender/fixtures";

const NOW = Date.UTC(2026, 11, 1);
const DAY = 86_400_000;

const need = (code: string, source: ClientNeed["source"], confidence: number, expiresAt: number | null = null) => ({
  code,
  source,
  confidence,
  observedAt: NOW - DAY,
  expiresAt,
});

describe("CRM need statements", () => {
  it("accepts plain codes (confidence 1, no expiry), objects and a mix; the last statement of a code wins", () => {
    const parsed = intakeNeedsSchema.parse([
      "family",
      { code: "housing", confidence: 0.8, expires_at: "2027-06-30T00:00:00Z" },
      { code: "family", confidence: 0.5 },
    ]);
    const { codes, statements, errors } = crmNeedStatements(parsed, NOW, ["body"]);
    expect(errors).toEqual([]);
    expect(codes).toEqual(["family", "housing", "family"]);
    expect(statements).toEqual([
      { code: "housing", confidence: 0.8, expiresAt: Date.UTC(2027, 5, 30) },
      { code: "family", confidence: 0.5, expiresAt: null },
    ]);
  });

  it("refuses a confidence outside (0, 1], an unknown field and an expiry not in the future", () => {
    expect(intakeNeedsSchema.safeParse([{ code: "housing", confidence: 0 }]).success).toBe(false);
    expect(intakeNeedsSchema.safeParse([{ code: "housing", confidence: 1.5 }]).success).toBe(false);
    expect(intakeNeedsSchema.safeParse([{ code: "housing", why: "x" }]).success).toBe(false);
    expect(intakeNeedsSchema.safeParse([{ code: "housing", expires_at: "tomorrow" }]).success).toBe(false);
    const past = crmNeedStatements([{ code: "housing", expires_at: "2020-01-01T00:00:00Z" }], NOW, ["body"]);
    expect(past.errors).toEqual([
      {
        code: "validation_failed",
        message: "expires_at must be in the future",
        path: ["body", "needs", "0", "expires_at"],
      },
    ]);
  });

  it("ignores expired needs and keeps one statement per code, the most confident", () => {
    const needs = [
      need("housing", "survey", 0.8),
      need("housing", "inferred", 0.6),
      need("car", "crm", 1, NOW - 1),
      need("travel", "inferred", 0.7, NOW + DAY),
    ];
    expect(effectiveNeeds(needs, NOW).map((n) => [n.code, n.source, n.confidence])).toEqual([
      ["housing", "survey", 0.8],
      ["travel", "inferred", 0.7],
    ]);
  });

  it("a lead call's plain codes keep the confidence and expiry the intake gave them", () => {
    const stored = [need("housing", "crm", 0.7, NOW + DAY), need("car", "survey", 0.8)];
    const restated = restatedCrmNeeds(["housing", "family"], stored, NOW);
    expect(restated).toEqual([
      { code: "housing", confidence: 0.7, expiresAt: NOW + DAY },
      { code: "family", confidence: 1, expiresAt: null },
    ]);
    expect(sameCrmNeeds(restated, stored, NOW)).toBe(false);
    expect(sameCrmNeeds(restatedCrmNeeds(["housing"], stored, NOW), stored, NOW)).toBe(true);
  });
});

describe("association rule statistics", () => {
  it("computes confidence, base rates, lift and the log-lift interval from four counts", () => {
    // 1000 clients, 200 hold A, 300 hold B, 120 hold both.
    const stats = ruleStatistics(120, 200, 300, 1000)!;
    expect(stats.confidence).toBeCloseTo(0.6, 12);
    expect(stats.baseRate).toBeCloseTo(0.3, 12);
    expect(stats.antecedentRate).toBeCloseTo(0.2, 12);
    expect(stats.lift).toBeCloseTo(2, 12);
    const se = Math.sqrt(1 / 120 - 1 / 200 + 1 / 300 - 1 / 1000);
    expect(stats.liftLower).toBeCloseTo(2 * Math.exp(-Z_95 * se), 12);
    expect(stats.liftUpper).toBeCloseTo(2 * Math.exp(Z_95 * se), 12);
    expect(ruleStatistics(0, 10, 10, 100)).toBeNull();
    expect(ruleStatistics(20, 10, 30, 100)).toBeNull();
  });

  it("proposes only rules with support >= 50, lift >= 1.2 and a lower bound above 1", () => {
    const counts = {
      clients: 1000,
      serviceClients: new Map([
        ["a", 200],
        ["b", 300],
        ["c", 300],
        ["d", 100],
      ]),
      needClients: new Map([["housing", 100]]),
      servicePairs: new Map([
        ["a\u0000b", 120], // lift 2: proposed
        ["a\u0000c", 49], // support 49: too few
        ["b\u0000c", 100], // lift 1.11: too weak
        ["a\u0000d", 26], // support too small anyway
        ["d\u0000a", 26],
      ]),
      needServicePairs: new Map([["housing\u0000b", 60]]), // lift 2, support 60
    };
    const rules = mineAssociationRules(counts);
    expect(rules.map((r) => `${r.antecedentKind}:${r.antecedent}->${r.consequent}`)).toEqual([
      "service:a->b",
      "need:housing->b",
    ]);
    for (const rule of rules) {
      expect(rule.support).toBeGreaterThanOrEqual(50);
      expect(rule.lift).toBeGreaterThanOrEqual(1.2);
      expect(rule.liftLower).toBeGreaterThan(1);
    }
    // A pair already in the cross-service matrix is not proposed.
    expect(mineAssociationRules(counts, new Set(["a\u0000b"])).map((r) => r.antecedent)).toEqual(["housing"]);
    // Holders of b carry housing with confidence 60/300 = 0.2: too rare to infer the need.
    expect(needInferenceRules(counts)).toEqual([]);
    const strong = { ...counts, needServicePairs: new Map([["housing\u0000d", 60]]) };
    expect(needInferenceRules(strong)).toEqual([{ service: "d", need: "housing", confidence: 0.6 }]);
  });
});

describe("the need boost", () => {
  it("is confidence-weighted, bounded per rule and in total, and names the strongest need", () => {
    expect(ruleStrength(1.5, null)).toBeCloseTo(Math.log(1.5), 12);
    expect(ruleStrength(10, null)).toBe(MAX_RULE_STRENGTH);
    expect(ruleStrength(0.9, null)).toBe(0);
    expect(ruleStrength(1.5, 0.5)).toBeCloseTo(0.5 * MAX_RULE_STRENGTH, 12);
    const index = indexNeedRules([
      { need: "housing", service: 1, strength: 0.7 },
      { need: "family", service: 1, strength: 0.7 },
      { need: "family", service: 2, strength: 0.3 },
    ]);
    const boost = needBoostFor(index, [need("housing", "survey", 0.8), need("family", "crm", 1)], 4)!;
    expect(boost.boost[0]).toBe(0);
    expect(boost.boost[1]).toBe(MAX_NEED_BOOST); // 0.56 + 0.7 capped at 1
    expect(boost.boost[2]).toBeCloseTo(0.3, 12);
    expect(boost.labels[boost.bestNeed[1]]).toBe("Need: family (crm, 1)");
    expect(boost.labels[0]).toBe("Need: housing (survey, 0.8)");
    expect(needBoostFor(index, [need("car", "crm", 1)], 4)).toBeNull();
  });

  it("lifts the services a cold-start client's needs point to, with a need reason", () => {
    const { model } = plantedModel();
    const client = clientOf({ age: 29, income: 100_000, region: 0, gender: GENDER_FEMALE, needs: [0] }, []);
    const fitness = SERVICE_NAMES.indexOf("Fitness pass");
    const without = scoreClient(model, client, { now: NOW, limit: SERVICE_NAMES.length });
    const index = indexNeedRules([{ need: "sport", service: fitness, strength: MAX_RULE_STRENGTH }]);
    const boost = needBoostFor(index, [need("sport", "survey", 1)], model.nServices)!;
    const withNeed = scoreClient(model, client, { now: NOW, limit: SERVICE_NAMES.length, needBoost: boost });
    const rank = (list: typeof without) => list.findIndex((r) => r.service === fitness);
    expect(rank(withNeed)).toBeLessThan(rank(without));
    const rated = withNeed.find((r) => r.service === fitness)!;
    expect(rated.rating).toBeGreaterThan(without.find((r) => r.service === fitness)!.rating);
    const reason = rated.reasons.find((r) => r.kind === "client_need");
    expect(reason).toMatchObject({ text: "Need: sport (survey, 1)", value: 1 });
    // Every other service is scored exactly as without the boost.
    for (const r of withNeed) {
      if (r.service === fitness) continue;
      expect(r.rating).toBe(without.find((w) => w.service === r.service)!.rating);
      expect(r.reasons.some((x) => x.kind === "client_need")).toBe(false);
    }
  });
});
