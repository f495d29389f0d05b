/**
 * The needs part of the score (docs/recommender.md "Needs in the score"): a bounded,
 * confidence-weighted boost of the blend logit of the services a client's needs point to.
 *
 * A need points to a service through a need → service rule (src/domain/needs/association-rules.ts)
 * that is not rejected: its strength is ln(lift lower bound) — the evidence that survives the
 * interval — capped at {@link MAX_RULE_STRENGTH}; an admin's approval with a weight w sets it to
 * w · MAX_RULE_STRENGTH. The boost of a service is Σ over the client's effective needs of
 * confidence × strength, capped at {@link MAX_NEED_BOOST}: needs move a rating, they never dominate it.
 * With no holdings (cold start) the boost is what lifts the services the client's needs match.
 */
import type { ClientNeed } from "./client-needs";

/** Most one rule adds to the blend logit (e^0.7 ≈ 2× the odds). */
export const MAX_RULE_STRENGTH = 0.7;
/** Most all of a client's needs add to one service's blend logit (e^1 ≈ 2.7× the odds). */
export const MAX_NEED_BOOST = 1;

/** A need → service rule as the scorer uses it. */
export interface NeedRule {
  need: string;
  /** Model index of the consequent service. */
  service: number;
  /** Logit added at confidence 1, in (0, MAX_RULE_STRENGTH]. */
  strength: number;
}

/** Rules by need, typed arrays per need (built once per set of rules). */
export type NeedRuleIndex = ReadonlyMap<string, { services: Int32Array; strengths: Float64Array }>;

/** Strength of a rule: ln(lower bound) capped, or the approved weight's share of the cap. */
export function ruleStrength(liftLower: number, approvedWeight: number | null): number {
  if (approvedWeight !== null) return Math.max(0, Math.min(1, approvedWeight)) * MAX_RULE_STRENGTH;
  return liftLower > 1 ? Math.min(MAX_RULE_STRENGTH, Math.log(liftLower)) : 0;
}

export function indexNeedRules(rules: readonly NeedRule[]): NeedRuleIndex {
  const byNeed = new Map<string, NeedRule[]>();
  for (const rule of rules) {
    if (!(rule.strength > 0) || !Number.isInteger(rule.service) || rule.service < 0) continue;
    byNeed.set(rule.need, [...(byNeed.get(rule.need) ?? []), rule]);
  }
  const index = new Map<string, { services: Int32Array; strengths: Float64Array }>();
  for (const [need, list] of byNeed) {
    index.set(need, {
      services: Int32Array.from(list, (rule) => rule.service),
      strengths: Float64Array.from(list, (rule) => Math.min(MAX_RULE_STRENGTH, rule.strength)),
    });
  }
  return index;
}

/** One client's boost per service, with the need that contributes most (for the reason). */
export interface NeedBoost {
  /** n: logit added to each service (0..MAX_NEED_BOOST). */
  boost: Float64Array;
  /** n: index into `needs` of the strongest contributing need, -1 none. */
  bestNeed: Int32Array;
  needs: readonly ClientNeed[];
  /** Per need: "Need: housing (survey, 0.8)". */
  labels: readonly string[];
}

/** The boost of a client's effective needs, or null when none of them points anywhere. */
export function needBoostFor(index: NeedRuleIndex, needs: readonly ClientNeed[], nServices: number): NeedBoost | null {
  let boost: Float64Array | null = null;
  let bestNeed: Int32Array | null = null;
  let bestContribution: Float64Array | null = null;
  for (let k = 0; k < needs.length; k++) {
    const rules = index.get(needs[k].code);
    if (!rules) continue;
    if (!boost) {
      boost = new Float64Array(nServices);
      bestNeed = new Int32Array(nServices).fill(-1);
      bestContribution = new Float64Array(nServices);
    }
    const confidence = needs[k].confidence;
    const { services, strengths } = rules;
    for (let r = 0; r < services.length; r++) {
      const s = services[r];
      if (s >= nServices) continue;
      const contribution = confidence * strengths[r];
      boost[s] += contribution;
      if (contribution > bestContribution![s]) {
        bestContribution![s] = contribution;
        bestNeed![s] = k;
      }
    }
  }
  if (!boost) return null;
  for (let s = 0; s < nServices; s++) if (boost[s] > MAX_NEED_BOOST) boost[s] = MAX_NEED_BOOST;
  return { boost, bestNeed: bestNeed!, needs, labels: needs.map(needLabel) };
}

/** "Need: housing (survey, 0.8)". */
export function needLabel(need: Pick<ClientNeed, "code" | "source" | "confidence">): string {
  return `Need: ${need.code} (${need.source}, ${Math.round(need.confidence * 100) / 100})`;
}
