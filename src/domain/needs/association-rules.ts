/**
 * Association rules over holdings and needs, the statistics behind link proposals
 * (docs/recommender.md "Link proposals"). Pure: counts in, rules out; no client ever appears.
 *
 * A rule A → B (A a held service or an active need, B a service) over N clients, with n_A clients
 * having A, n_B holding B and n_AB both:
 *   support = n_AB, confidence = n_AB / n_A, base rate = n_B / N, lift = confidence / base rate.
 * The 95 % interval of the lift is the delta-method interval of its logarithm (as for a risk ratio):
 *   Var(ln lift) ≈ 1/n_AB − 1/n_A + 1/n_B − 1/N,  lower = lift · exp(−1.96 · √Var).
 * A rule is proposed when support ≥ 50, lift ≥ 1.2 and the lower bound > 1.
 */

export const MIN_RULE_SUPPORT = 50;
export const MIN_RULE_LIFT = 1.2;
/** Two-sided 95 % normal quantile. */
export const Z_95 = 1.959963984540054;

export type AntecedentKind = "service" | "need";

/** Merged counts of every shard, by code (services by code, needs by code). */
export interface MergedAssociationCounts {
  clients: number;
  serviceClients: ReadonlyMap<string, number>;
  needClients: ReadonlyMap<string, number>;
  /** `a\u0000b` → clients holding service a and service b. */
  servicePairs: ReadonlyMap<string, number>;
  /** `need\u0000service` → clients carrying the need and holding the service. */
  needServicePairs: ReadonlyMap<string, number>;
}

export interface RuleStatistics {
  support: number;
  antecedentClients: number;
  consequentClients: number;
  totalClients: number;
  /** P(B | A). */
  confidence: number;
  /** P(B): the consequent's base rate. */
  baseRate: number;
  /** P(A): the antecedent's base rate. */
  antecedentRate: number;
  lift: number;
  liftLower: number;
  liftUpper: number;
}

export interface AssociationRule extends RuleStatistics {
  antecedentKind: AntecedentKind;
  antecedent: string;
  consequent: string;
}

/** Adds one shard's counts into `into` (counts only: they merge by addition). */
export function addCounts(
  into: { clients: number } & { [K in Exclude<keyof MergedAssociationCounts, "clients">]: Map<string, number> },
  shard: MergedAssociationCounts,
): void {
  into.clients += shard.clients;
  for (const key of ["serviceClients", "needClients", "servicePairs", "needServicePairs"] as const) {
    for (const [item, n] of shard[key]) into[key].set(item, (into[key].get(item) ?? 0) + n);
  }
}

/** The statistics of a rule from its four counts (see the module comment); null when undefined. */
export function ruleStatistics(
  support: number,
  antecedentClients: number,
  consequentClients: number,
  totalClients: number,
): RuleStatistics | null {
  if (
    !(support > 0 && antecedentClients >= support && consequentClients >= support && totalClients >= antecedentClients)
  ) {
    return null;
  }
  const confidence = support / antecedentClients;
  const baseRate = consequentClients / totalClients;
  const lift = confidence / baseRate;
  const variance = Math.max(0, 1 / support - 1 / antecedentClients + 1 / consequentClients - 1 / totalClients);
  const spread = Z_95 * Math.sqrt(variance);
  return {
    support,
    antecedentClients,
    consequentClients,
    totalClients,
    confidence,
    baseRate,
    antecedentRate: antecedentClients / totalClients,
    lift,
    liftLower: lift * Math.exp(-spread),
    liftUpper: lift * Math.exp(spread),
  };
}

/** True when the rule meets the proposal thresholds. */
export function meetsThresholds(stats: RuleStatistics): boolean {
  return stats.support >= MIN_RULE_SUPPORT && stats.lift >= MIN_RULE_LIFT && stats.liftLower > 1;
}

/**
 * Every rule meeting the thresholds, strongest evidence first (lower bound, then support, then
 * names). Service → service rules skip pairs `skip` names (`from\u0000to`: links already in the
 * matrix); a service is never its own consequent.
 */
export function mineAssociationRules(
  counts: MergedAssociationCounts,
  skip: ReadonlySet<string> = new Set(),
): AssociationRule[] {
  const rules: AssociationRule[] = [];
  const consider = (kind: AntecedentKind, key: string, support: number, antecedentClients: number | undefined) => {
    const [antecedent, consequent] = key.split("\u0000");
    if (kind === "service" && (antecedent === consequent || skip.has(key))) return;
    const stats = ruleStatistics(
      support,
      antecedentClients ?? 0,
      counts.serviceClients.get(consequent) ?? 0,
      counts.clients,
    );
    if (stats && meetsThresholds(stats)) rules.push({ antecedentKind: kind, antecedent, consequent, ...stats });
  };
  for (const [key, n] of counts.servicePairs)
    consider("service", key, n, counts.serviceClients.get(key.split("\u0000")[0]));
  for (const [key, n] of counts.needServicePairs)
    consider("need", key, n, counts.needClients.get(key.split("\u0000")[0]));
  return rules.sort(
    (a, b) =>
      b.liftLower - a.liftLower ||
      b.support - a.support ||
      a.antecedentKind.localeCompare(b.antecedentKind) ||
      a.antecedent.localeCompare(b.antecedent) ||
      a.consequent.localeCompare(b.consequent),
  );
}

/** An inferred need is written only when at least this share of a service's holders state the need. */
export const MIN_INFERENCE_CONFIDENCE = 0.5;
/** An inferred need is never as sure as a stated one. */
export const MAX_INFERRED_CONFIDENCE = 0.9;

/** "Holders of `service` carry `need`": the rule behind an inferred need. */
export interface NeedInference {
  service: string;
  need: string;
  /** P(need | holds service), capped at MAX_INFERRED_CONFIDENCE: the inferred need's confidence. */
  confidence: number;
}

/**
 * Service → need rules that meet the proposal thresholds (support, lift, lower bound) and whose
 * confidence is at least MIN_INFERENCE_CONFIDENCE: a holder of the service who has not stated the
 * need likely has it. Counted on stated (CRM and survey) needs only.
 */
export function needInferenceRules(counts: MergedAssociationCounts): NeedInference[] {
  const out: NeedInference[] = [];
  for (const [key, n] of counts.needServicePairs) {
    const [need, service] = key.split("\u0000");
    const stats = ruleStatistics(
      n,
      counts.serviceClients.get(service) ?? 0,
      counts.needClients.get(need) ?? 0,
      counts.clients,
    );
    if (!stats || !meetsThresholds(stats) || stats.confidence < MIN_INFERENCE_CONFIDENCE) continue;
    out.push({ service, need, confidence: Math.min(MAX_INFERRED_CONFIDENCE, stats.confidence) });
  }
  return out.sort((a, b) => a.service.localeCompare(b.service) || a.need.localeCompare(b.need));
}
