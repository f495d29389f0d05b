/**
 * From ratings to leads: the pure decision core of the lead call. For one client it applies the
 * effective threshold of each service, holds out control-group clients, resolves competition
 * between companies (src/domain/routing.ts) and gives every rated service exactly one decision,
 * which the caller stores in `scored_candidates` (the basis of threshold previews, calibration and
 * uplift reports).
 */
import { type ExperimentDefinition, experimentAssignment } from "./experiments";
import {
  type ExclusionReason,
  type RoutedLead,
  type RoutingCandidate,
  type RoutingInput,
  type RoutingResult,
  resolveCompetition,
} from "./routing";

/** One service as the recommender rated it for the client: a routing candidate before eligibility. */
export type RatedService = RoutingCandidate;

/** What the lead call decides for each rated service, in the order the funnel reports them. */
export const LEAD_DECISIONS = ["lead", "control", "below_threshold", "not_routed", "capped", "duplicate"] as const;
export type CandidateDecision = (typeof LEAD_DECISIONS)[number];

/** Decisions recorded with scored candidates: a dry run's candidates are kept apart from traffic. */
export const RECORDED_DECISIONS = [...LEAD_DECISIONS, "dry_run"] as const;
export type RecordedDecision = (typeof RECORDED_DECISIONS)[number];

/** What became of one rated service. */
export interface CandidateOutcome {
  service: RatedService;
  threshold: number;
  decision: CandidateDecision;
  /** The experiment the candidate counts in (either arm), or null. */
  experimentId: string | null;
  /** Why it did not become a lead, in words (null for leads and ratings below threshold). */
  note: string | null;
  /** The routing decision that made it a lead. */
  routed: RoutedLead | null;
}

export interface LeadSelectionInput extends Omit<RoutingInput, "candidates"> {
  rated: readonly RatedService[];
  clientId: string;
  /** Effective minimum rating of a service (service > company > global). */
  threshold(serviceId: string): number;
  experiments: readonly ExperimentDefinition[];
  /**
   * Services with a lead for this client that is still open or younger than the service's
   * exclusivity window: no second lead for the same client and service.
   */
  duplicateServices: ReadonlySet<string>;
}

export interface LeadSelection {
  outcomes: CandidateOutcome[];
  routing: RoutingResult;
}

const DUPLICATE_REASONS: ReadonlySet<ExclusionReason> = new Set([
  "open_lead_in_category",
  "exclusivity_held_by_other_company",
]);

/**
 * Decides the fate of every rated service. Candidates at or above their threshold enter the
 * experiments first (a held-out client's candidate becomes `control` and never reaches routing),
 * then routing picks at most one company per category within the request limit.
 */
export function selectLeads(input: LeadSelectionInput): LeadSelection {
  const outcomes: CandidateOutcome[] = [];
  const candidates: RoutingCandidate[] = [];
  const experimentOf = new Map<string, string | null>();
  for (const service of input.rated) {
    const threshold = input.threshold(service.serviceId);
    if (service.rating < threshold) {
      outcomes.push({ service, threshold, decision: "below_threshold", experimentId: null, note: null, routed: null });
      continue;
    }
    if (input.duplicateServices.has(service.serviceId)) {
      outcomes.push({
        service,
        threshold,
        decision: "duplicate",
        experimentId: null,
        note: "an earlier lead for this client and service is open or inside the exclusivity window",
        routed: null,
      });
      continue;
    }
    const assignment = experimentAssignment(
      input.experiments,
      { serviceId: service.serviceId, category: service.category, companyId: service.companyId },
      input.clientId,
      input.now,
    );
    if (assignment?.arm === "control") {
      outcomes.push({
        service,
        threshold,
        decision: "control",
        experimentId: assignment.experiment.id,
        note: "held out as control group of the experiment",
        routed: null,
      });
      continue;
    }
    experimentOf.set(service.serviceId, assignment?.experiment.id ?? null);
    candidates.push(service);
  }

  const routing = resolveCompetition({ ...input, candidates });
  const decided = new Map<string, Omit<CandidateOutcome, "service" | "threshold" | "experimentId">>();
  for (const lead of routing.routed) {
    decided.set(lead.winner.serviceId, { decision: "lead", note: null, routed: lead });
    for (const alternative of lead.alternatives) {
      if (alternative.serviceId === lead.winner.serviceId) continue;
      decided.set(alternative.serviceId, {
        decision: decisionForExclusion(alternative.excludedBecause),
        note: alternative.excludedBecause
          ? describeExclusion(alternative.excludedBecause)
          : `lost the competition in ${lead.category}: ${lead.reason}`,
        routed: null,
      });
    }
  }
  for (const category of routing.notRouted) {
    for (const alternative of category.alternatives) {
      const decision =
        category.reason === "open_lead_in_category" ? "duplicate" : decisionForExclusion(alternative.excludedBecause);
      decided.set(alternative.serviceId, { decision, note: category.message, routed: null });
    }
  }

  const byService = new Map(input.rated.map((service) => [service.serviceId, service]));
  for (const candidate of candidates) {
    const service = byService.get(candidate.serviceId)!;
    const outcome = decided.get(candidate.serviceId) ?? {
      decision: "not_routed" as const,
      note: "not considered by routing",
      routed: null,
    };
    outcomes.push({
      service,
      threshold: input.threshold(service.serviceId),
      experimentId: experimentOf.get(service.serviceId) ?? null,
      ...outcome,
    });
  }
  outcomes.sort((a, b) => b.service.rating - a.service.rating || a.service.serviceIndex - b.service.serviceIndex);
  return { outcomes, routing };
}

function decisionForExclusion(reason: ExclusionReason | undefined): CandidateDecision {
  if (reason === undefined) return "not_routed";
  if (DUPLICATE_REASONS.has(reason)) return "duplicate";
  if (reason === "daily_cap_reached") return "capped";
  return "not_routed";
}

const EXCLUSION_TEXT: Record<ExclusionReason, string> = {
  category_in_use: "the client already uses a service of this category",
  category_declined_recently: "the client declined this category recently",
  open_lead_in_category: "an open lead for this client already covers the category",
  exclusivity_held_by_other_company: "another company holds the exclusivity window for this client",
  company_unknown: "the selling company is unknown",
  company_paused: "the selling company is paused",
  daily_cap_reached: "the selling company reached its daily lead cap",
  better_service_of_same_company: "a better-rated service of the same company competes",
};

function describeExclusion(reason: ExclusionReason): string {
  return EXCLUSION_TEXT[reason];
}
