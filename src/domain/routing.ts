/**
 * Competition resolution: when services of one category from several companies qualify for one
 * client, decide which company gets the lead. Pure TypeScript (no I/O, runs in Workers and Node);
 * randomness is injected so every decision is reproducible.
 *
 * Per category, in order:
 * 1. Eligibility. A candidate is excluded when the client already uses the category, declined it
 *    within the decline cooldown, or holds an open lead in it within the exclusivity window; when
 *    its company is unknown, paused, or has reached its daily cap (leads routed earlier in the same
 *    call count against the cap); or when a better-rated service of the same company competes.
 * 2. Ranking by the category's strategy:
 *    - `priority`: the admin's order of companies; companies not in the order come after it.
 *    - `weighted`: target shares by weight, served by deficit rotation (below).
 *    - `performance`: Thompson sampling on each company's accepted / declined counts in the
 *      category, plus an exploration share of leads given to a uniformly random eligible company.
 *    - `quality`: end clients' quality rating of each company (src/domain/routing-quality.ts).
 *    Ties are broken by rating (higher first), then company id, then service code (ascending).
 * 3. The result names the winner and the reason in words and records the policy, every alternative
 *    considered (eligible or not, with its score) and each alternative's selection probability, so
 *    outcomes can later be analysed without selection bias (inverse propensity weighting).
 *
 * At most ONE lead per category is routed per call (a client is not offered two competing credit
 * cards at once), and at most `maxLeads` leads in total; categories are served best rating first.
 *
 * Weighted rotation needs no stored state: the caller passes how many leads each company already
 * received in the category over a rolling window (e.g. the current UTC day), and the company with
 * the largest deficit `share × (routed + 1) − routedToIt` wins. This is the sequence smooth
 * weighted round-robin produces, but derived from facts already in D1, so it survives restarts,
 * concurrent isolates and pauses without a separate counter that could drift; a company coming back
 * from a pause catches up only within the window, and its daily cap bounds the catch-up.
 *
 * Settings (src/domain/settings.ts) own the validation and resolution of the rules: pass
 * `EffectiveSettings.routing(category).value` as the category's policy, and the exclusivity window
 * and decline cooldown as the windows.
 */
import { BetaSampler } from "./random";
import { type CompanyQuality, describeQualityWin, qualityScore } from "./routing-quality";

/** Share of performance-routed leads sent to a random eligible company when none is configured. */
export const DEFAULT_EXPLORATION = 0.1;

/** How a category's competition is resolved. */
export const ROUTING_STRATEGIES = ["priority", "weighted", "performance", "quality"] as const;

export type RoutingStrategy = (typeof ROUTING_STRATEGIES)[number];

/**
 * A category's routing rule. `ResolvedRouting` of src/domain/settings.ts satisfies it (absent
 * fields may be null there).
 */
export interface CategoryRoutingPolicy {
  strategy: RoutingStrategy;
  /** `priority`: company ids, most preferred first. Unlisted companies rank after listed ones. */
  readonly order?: readonly string[] | null;
  /**
   * `weighted`: relative weight per company id (> 0). Shares are weights normalized over the
   * eligible companies; unlisted companies have weight 0 and only win when no listed company is
   * eligible. With no weights at all, eligible companies share equally.
   */
  readonly weights?: Readonly<Record<string, number>> | null;
  /**
   * `performance`: the exploration share, 0..1 (default DEFAULT_EXPLORATION = 0.1). That share of
   * decisions goes to a uniformly random eligible company; the others to the best Thompson draw,
   * each company's acceptance being drawn from Beta(1 + accepted, 1 + declined). Thompson sampling
   * already explores companies with little data; the share keeps testing established ones too.
   */
  readonly exploration?: number | null;
}

/** The policy used when a category has none: priority with no order, i.e. best rating first. */
export const DEFAULT_ROUTING_POLICY: CategoryRoutingPolicy = Object.freeze({ strategy: "priority" as const });

/** Draws used to estimate each alternative's selection probability under Thompson sampling. */
export const PROPENSITY_SAMPLES = 256;

/** A service that qualified for the client (rating above its threshold). */
export interface RoutingCandidate {
  /** The service's dense model index. */
  serviceIndex: number;
  serviceId: string;
  serviceCode: string;
  category: string;
  /** The company that sells the service. */
  companyId: string;
  /** 0–100. */
  rating: number;
  reasons: readonly string[];
}

/** What routing needs to know about a receiving company. */
export interface CompanyRoutingState {
  /** Display name used in the reasons a sales manager reads (the id when absent). */
  name?: string;
  status: "active" | "paused";
  /** Maximum leads per UTC day; null = unlimited. */
  dailyLeadCap: number | null;
  /** Leads already routed to the company in the current UTC day. */
  leadsToday: number;
  /** End clients' quality rating of the company (`quality` strategy); absent = nobody rated it. */
  quality?: CompanyQuality | null;
}

/** Counts for one company in one category. */
export interface CompanyCategoryStats {
  /** Leads routed to the company in the category over the rotation window (`weighted`). */
  routed: number;
  /** Deals reported for its leads in the category (`performance`). */
  accepted: number;
  declined: number;
}

/** The client's history that limits what may be offered. */
export interface ClientRoutingState {
  /** Categories of services the client already uses (interaction value 1). */
  usedCategories: readonly string[];
  /** Declines (interaction value −1, or declined deals) with their time (epoch ms). */
  declines: readonly { category: string; at: number }[];
  /** Leads for this client that are still open (not accepted, declined or expired). */
  openLeads: readonly { category: string; companyId: string; createdAt: number }[];
}

export interface RoutingInput {
  candidates: readonly RoutingCandidate[];
  /** Receiving companies by id; a candidate whose company is missing here is excluded. */
  companies: Readonly<Record<string, CompanyRoutingState>>;
  /** Policy per category; categories without one use DEFAULT_ROUTING_POLICY. */
  policies: Readonly<Record<string, CategoryRoutingPolicy>>;
  /** Counts per category, then per company id; missing entries count as zero. */
  stats: Readonly<Record<string, Readonly<Record<string, CompanyCategoryStats>>>>;
  client: ClientRoutingState;
  /** Most leads this call may produce (settings); 0 routes nothing. */
  maxLeads: number;
  /** Epoch ms of the decision. */
  now: number;
  /** An open lead younger than this reserves its category for the client (settings: exclusivity window). */
  exclusivityWindowMs: number;
  /** A decline younger than this blocks its category for the client (settings: decline cooldown). */
  declineCooldownMs: number;
  /** Uniform random numbers in [0, 1): inject a seeded generator for reproducible decisions. */
  random: () => number;
}

/** Why a candidate could not win. */
export type ExclusionReason =
  | "category_in_use"
  | "category_declined_recently"
  | "open_lead_in_category"
  | "exclusivity_held_by_other_company"
  | "company_unknown"
  | "company_paused"
  | "daily_cap_reached"
  | "better_service_of_same_company";

/** One candidate as the decision saw it. */
export interface RoutingAlternative {
  companyId: string;
  serviceId: string;
  serviceCode: string;
  rating: number;
  eligible: boolean;
  excludedBecause?: ExclusionReason;
  /**
   * The strategy's score (higher wins): priority rank, weighted deficit, or the Thompson draw
   * (also recorded when an exploration pick overrode it). Null for excluded candidates.
   */
  score: number | null;
  /**
   * Probability that this alternative would win under the policy given the same eligible set:
   * 1 / 0 for the deterministic strategies; for `performance`, exploration share / eligible count
   * plus (1 − share) × a Monte-Carlo estimate of its chance to win the Thompson draw.
   */
  selectionProbability: number;
}

/** The policy as applied, recorded with the decision. */
export interface AppliedRoutingPolicy extends CategoryRoutingPolicy {
  /** Whether the category had a configured policy or fell back to DEFAULT_ROUTING_POLICY. */
  source: "configured" | "default";
}

/** The lead a category produced. */
export interface RoutedLead {
  category: string;
  winner: RoutingCandidate;
  /** Why the winner won, in words. */
  reason: string;
  /** True when the winner was an exploration pick (uniformly random eligible company). */
  explored: boolean;
  policy: AppliedRoutingPolicy;
  alternatives: RoutingAlternative[];
}

/** Why a category produced no lead. */
export type NotRoutedReason =
  | "category_in_use"
  | "category_declined_recently"
  | "open_lead_in_category"
  | "no_eligible_company"
  | "request_limit_reached";

export interface NotRoutedCategory {
  category: string;
  reason: NotRoutedReason;
  message: string;
  policy: AppliedRoutingPolicy;
  alternatives: RoutingAlternative[];
}

export interface RoutingResult {
  /** At most one per category, best category first; never more than `maxLeads`. */
  routed: RoutedLead[];
  notRouted: NotRoutedCategory[];
}

const CLIENT_LEVEL_REASONS: ReadonlySet<ExclusionReason> = new Set([
  "category_in_use",
  "category_declined_recently",
  "open_lead_in_category",
  "exclusivity_held_by_other_company",
]);

const ZERO_STATS: CompanyCategoryStats = Object.freeze({ routed: 0, accepted: 0, declined: 0 });

/** Resolves competition for one client's qualifying candidates. See the module comment. */
export function resolveCompetition(input: RoutingInput): RoutingResult {
  const byCategory = new Map<string, RoutingCandidate[]>();
  for (const candidate of input.candidates) {
    const list = byCategory.get(candidate.category);
    if (list) list.push(candidate);
    else byCategory.set(candidate.category, [candidate]);
  }
  // Best category first, so the request limit and in-call cap use favour the strongest leads.
  const categories = [...byCategory.entries()]
    .map(([category, list]) => ({ category, list: list.sort(compareCandidates), best: maxRating(list) }))
    .sort((a, b) => b.best - a.best || compareText(a.category, b.category));

  const usedCategories = new Set(input.client.usedCategories);
  const declinedCategories = new Set<string>();
  for (const decline of input.client.declines) {
    if (input.now - decline.at < input.declineCooldownMs) declinedCategories.add(decline.category);
  }
  const exclusiveHolder = new Map<string, Set<string>>();
  for (const open of input.client.openLeads) {
    if (input.now - open.createdAt >= input.exclusivityWindowMs) continue;
    const holders = exclusiveHolder.get(open.category) ?? new Set<string>();
    holders.add(open.companyId);
    exclusiveHolder.set(open.category, holders);
  }

  const assignedInCall = new Map<string, number>();
  const maxLeads = Math.max(0, Math.floor(input.maxLeads));
  const result: RoutingResult = { routed: [], notRouted: [] };

  for (const { category, list } of categories) {
    const configured = input.policies[category];
    const policy = normalizePolicy(configured);
    const stats = input.stats[category] ?? {};

    const alternatives: RoutingAlternative[] = [];
    const eligible: number[] = [];
    const companiesSeen = new Set<string>();
    for (let i = 0; i < list.length; i++) {
      const candidate = list[i];
      const excludedBecause = exclusionOf(candidate);
      // `list` is sorted best-first, so the first eligible service of a company represents it.
      const reason =
        excludedBecause ?? (companiesSeen.has(candidate.companyId) ? "better_service_of_same_company" : undefined);
      if (!reason) {
        companiesSeen.add(candidate.companyId);
        eligible.push(i);
      }
      alternatives.push({
        companyId: candidate.companyId,
        serviceId: candidate.serviceId,
        serviceCode: candidate.serviceCode,
        rating: candidate.rating,
        eligible: !reason,
        ...(reason ? { excludedBecause: reason } : {}),
        score: null,
        selectionProbability: 0,
      });
    }

    if (eligible.length === 0) {
      const clientReason = alternatives.find((a) => a.excludedBecause && CLIENT_LEVEL_REASONS.has(a.excludedBecause));
      const reason = notRoutedReasonOf(clientReason?.excludedBecause);
      result.notRouted.push({
        category,
        reason,
        message: notRoutedMessage(reason, category, alternatives, (id) => companyLabel(input.companies, id)),
        policy,
        alternatives,
      });
      continue;
    }
    if (result.routed.length >= maxLeads) {
      result.notRouted.push({
        category,
        reason: "request_limit_reached",
        message: `The call already produced its limit of ${maxLeads} lead(s); category ${category} was not routed`,
        policy,
        alternatives,
      });
      continue;
    }

    const { index, explored } = rankEligible(
      policy,
      list,
      eligible,
      alternatives,
      stats,
      input.companies,
      input.random,
    );
    const winner = list[index];
    assignedInCall.set(winner.companyId, (assignedInCall.get(winner.companyId) ?? 0) + 1);
    result.routed.push({
      category,
      winner,
      reason: describeWin(policy, winner, alternatives, eligible.length, stats, explored, input.companies, (id) =>
        companyLabel(input.companies, id),
      ),
      explored,
      policy,
      alternatives,
    });
  }
  return result;

  function exclusionOf(candidate: RoutingCandidate): ExclusionReason | undefined {
    if (usedCategories.has(candidate.category)) return "category_in_use";
    if (declinedCategories.has(candidate.category)) return "category_declined_recently";
    const holders = exclusiveHolder.get(candidate.category);
    if (holders)
      return holders.has(candidate.companyId) ? "open_lead_in_category" : "exclusivity_held_by_other_company";
    const company = input.companies[candidate.companyId];
    if (!company) return "company_unknown";
    if (company.status !== "active") return "company_paused";
    if (company.dailyLeadCap !== null) {
      const used = company.leadsToday + (assignedInCall.get(candidate.companyId) ?? 0);
      if (used >= company.dailyLeadCap) return "daily_cap_reached";
    }
    return undefined;
  }
}

/**
 * Scores the eligible candidates (indices into `list`) under `policy`, fills `score` and
 * `selectionProbability` of their alternatives, and returns the winner's index in `list`.
 */
function rankEligible(
  policy: AppliedRoutingPolicy,
  list: readonly RoutingCandidate[],
  eligible: readonly number[],
  alternatives: RoutingAlternative[],
  stats: Readonly<Record<string, CompanyCategoryStats>>,
  companies: RoutingInput["companies"],
  random: () => number,
): { index: number; explored: boolean } {
  const n = eligible.length;
  const scores = new Float64Array(n);
  const secondary = new Float64Array(n);
  let exploration = 0;

  if (policy.strategy === "priority") {
    const order = policy.order ?? [];
    for (let k = 0; k < n; k++) {
      const position = order.indexOf(list[eligible[k]].companyId);
      scores[k] = position < 0 ? 0 : order.length - position;
    }
  } else if (policy.strategy === "weighted") {
    const shares = eligibleShares(policy, list, eligible);
    let routedTotal = 0;
    for (let k = 0; k < n; k++) routedTotal += (stats[list[eligible[k]].companyId] ?? ZERO_STATS).routed;
    for (let k = 0; k < n; k++) {
      const routed = (stats[list[eligible[k]].companyId] ?? ZERO_STATS).routed;
      scores[k] = shares[k] * (routedTotal + 1) - routed;
      secondary[k] = shares[k];
    }
  } else if (policy.strategy === "quality") {
    // Equal scores (e.g. nobody rated either company) fall through to the rating tie-break.
    for (let k = 0; k < n; k++) scores[k] = qualityScore(companies[list[eligible[k]].companyId]?.quality);
  } else {
    exploration = policy.exploration ?? DEFAULT_EXPLORATION;
    const alpha = new Float64Array(n);
    const beta = new Float64Array(n);
    for (let k = 0; k < n; k++) {
      const counts = stats[list[eligible[k]].companyId] ?? ZERO_STATS;
      alpha[k] = 1 + Math.max(0, counts.accepted);
      beta[k] = 1 + Math.max(0, counts.declined);
    }
    const sampler = new BetaSampler(random);
    for (let k = 0; k < n; k++) scores[k] = sampler.next(alpha[k], beta[k]);
    const wins = thompsonWinShares(sampler, alpha, beta);
    for (let k = 0; k < n; k++) {
      const probability = exploration / n + (1 - exploration) * wins[k];
      alternatives[eligible[k]].selectionProbability = Math.round(probability * 10_000) / 10_000;
    }
  }

  let best = 0;
  for (let k = 1; k < n; k++) {
    if (beats(scores[k], secondary[k], list[eligible[k]], scores[best], secondary[best], list[eligible[best]]))
      best = k;
  }
  for (let k = 0; k < n; k++) alternatives[eligible[k]].score = roundScore(scores[k]);
  if (policy.strategy !== "performance") {
    for (let k = 0; k < n; k++) alternatives[eligible[k]].selectionProbability = k === best ? 1 : 0;
    return { index: eligible[best], explored: false };
  }
  if (exploration > 0 && random() < exploration) {
    const pick = Math.min(n - 1, Math.floor(random() * n));
    return { index: eligible[pick], explored: true };
  }
  return { index: eligible[best], explored: false };
}

/** Shares of the eligible companies (normalized weights; equal when no eligible one has weight). */
function eligibleShares(
  policy: CategoryRoutingPolicy,
  list: readonly RoutingCandidate[],
  eligible: readonly number[],
): Float64Array {
  const n = eligible.length;
  const shares = new Float64Array(n);
  let total = 0;
  for (let k = 0; k < n; k++) {
    const weight = policy.weights?.[list[eligible[k]].companyId] ?? 0;
    shares[k] = Number.isFinite(weight) && weight > 0 ? weight : 0;
    total += shares[k];
  }
  if (total === 0) shares.fill(1 / n);
  else for (let k = 0; k < n; k++) shares[k] /= total;
  return shares;
}

/**
 * Monte-Carlo estimate of each company's probability of winning a Thompson draw (ties go to the
 * earlier, better-ranked candidate, as in the decision itself).
 */
function thompsonWinShares(sampler: BetaSampler, alpha: Float64Array, beta: Float64Array): Float64Array {
  const n = alpha.length;
  const wins = new Float64Array(n);
  for (let s = 0; s < PROPENSITY_SAMPLES; s++) {
    let best = 0;
    let bestDraw = -1;
    for (let k = 0; k < n; k++) {
      const draw = sampler.next(alpha[k], beta[k]);
      if (draw > bestDraw) {
        bestDraw = draw;
        best = k;
      }
    }
    wins[best]++;
  }
  for (let k = 0; k < n; k++) wins[k] /= PROPENSITY_SAMPLES;
  return wins;
}

function beats(
  score: number,
  secondary: number,
  candidate: RoutingCandidate,
  bestScore: number,
  bestSecondary: number,
  bestCandidate: RoutingCandidate,
): boolean {
  if (score !== bestScore) return score > bestScore;
  if (secondary !== bestSecondary) return secondary > bestSecondary;
  return compareCandidates(candidate, bestCandidate) < 0;
}

/** The stable tie-break: rating (higher first), then company id, then service code. */
function compareCandidates(a: RoutingCandidate, b: RoutingCandidate): number {
  return b.rating - a.rating || compareText(a.companyId, b.companyId) || compareText(a.serviceCode, b.serviceCode);
}

/** Code-unit order: the same in every runtime and locale. */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function maxRating(list: readonly RoutingCandidate[]): number {
  let best = Number.NEGATIVE_INFINITY;
  for (const candidate of list) if (candidate.rating > best) best = candidate.rating;
  return best;
}

function roundScore(value: number): number {
  return Math.round(value * 1e6) / 1e6;
}

/** The policy as recorded: only the fields its strategy uses, copied so later edits cannot alter it. */
function normalizePolicy(policy: CategoryRoutingPolicy | undefined): AppliedRoutingPolicy {
  if (!policy) return { ...DEFAULT_ROUTING_POLICY, source: "default" };
  switch (policy.strategy) {
    case "priority":
      return { strategy: "priority", order: [...(policy.order ?? [])], source: "configured" };
    case "weighted":
      return { strategy: "weighted", weights: { ...(policy.weights ?? {}) }, source: "configured" };
    case "quality":
      return { strategy: "quality", source: "configured" };
    case "performance": {
      const exploration = policy.exploration ?? DEFAULT_EXPLORATION;
      return {
        strategy: "performance",
        exploration: Number.isFinite(exploration) ? Math.min(1, Math.max(0, exploration)) : DEFAULT_EXPLORATION,
        source: "configured",
      };
    }
  }
}

function notRoutedReasonOf(reason: ExclusionReason | undefined): NotRoutedReason {
  switch (reason) {
    case "category_in_use":
    case "category_declined_recently":
    case "open_lead_in_category":
      return reason;
    case "exclusivity_held_by_other_company":
      return "open_lead_in_category";
    default:
      return "no_eligible_company";
  }
}

function notRoutedMessage(
  reason: NotRoutedReason,
  category: string,
  alternatives: RoutingAlternative[],
  label: (id: string) => string,
): string {
  switch (reason) {
    case "category_in_use":
      return `The client already uses a ${category} service`;
    case "category_declined_recently":
      return `The client declined a ${category} offer within the cooldown`;
    case "open_lead_in_category":
      return `The client has an open ${category} lead within the exclusivity window`;
    default:
      return `No company can receive a ${category} lead: ${summarizeExclusions(alternatives, label)}`;
  }
}

function companyLabel(companies: RoutingInput["companies"], id: string): string {
  return companies[id]?.name ?? id;
}

function summarizeExclusions(alternatives: readonly RoutingAlternative[], label: (id: string) => string): string {
  const parts: string[] = [];
  const seen = new Set<string>();
  for (const alternative of alternatives) {
    if (!alternative.excludedBecause || alternative.excludedBecause === "better_service_of_same_company") continue;
    const text = `${label(alternative.companyId)} (${alternative.excludedBecause.replaceAll("_", " ")})`;
    if (!seen.has(text)) {
      seen.add(text);
      parts.push(text);
    }
  }
  return parts.join(", ");
}

function describeWin(
  policy: AppliedRoutingPolicy,
  winner: RoutingCandidate,
  alternatives: readonly RoutingAlternative[],
  eligibleCount: number,
  stats: Readonly<Record<string, CompanyCategoryStats>>,
  explored: boolean,
  companies: RoutingInput["companies"],
  label: (id: string) => string,
): string {
  const company = label(winner.companyId);
  let text: string;
  if (eligibleCount === 1) {
    text = `${company} is the only eligible company for ${winner.category}`;
  } else if (policy.strategy === "priority") {
    const position = (policy.order ?? []).indexOf(winner.companyId);
    text =
      position >= 0
        ? `${company} ranks highest in the admin priority order among ${eligibleCount} eligible companies`
        : `No eligible company is in the priority order; ${company} has the best rating (${winner.rating}) of ${eligibleCount}`;
  } else if (policy.strategy === "weighted") {
    const routed = (stats[winner.companyId] ?? ZERO_STATS).routed;
    text = `Weighted rotation: ${company} is furthest below its target share (${routed} lead(s) in the window) among ${eligibleCount} eligible companies`;
  } else if (policy.strategy === "quality") {
    text = describeQualityWin(company, companies[winner.companyId]?.quality, eligibleCount);
  } else if (explored) {
    text = `Exploration (share ${policy.exploration}): ${company} was picked at random among ${eligibleCount} eligible companies`;
  } else {
    const counts = stats[winner.companyId] ?? ZERO_STATS;
    text = `Thompson sampling: ${company} drew the highest acceptance sample (${counts.accepted} accepted, ${counts.declined} declined) among ${eligibleCount} eligible companies`;
  }
  const skipped = summarizeExclusions(
    alternatives.filter((a) => a.companyId !== winner.companyId),
    label,
  );
  return skipped ? `${text}; skipped ${skipped}` : text;
}
