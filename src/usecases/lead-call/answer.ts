/**
 * The lead call's answer: the ratings with their decisions, the leads created (or that a dry run
 * would create) and the categories left unrouted. It is stored verbatim for idempotent replays, so
 * it is built here, in the wire's field names, and committed with the leads.
 */
import type { CandidateDecision, CandidateOutcome } from "../../domain/lead-selection";
import type { CatalogService, LeadContext } from "../../storage/lead-context";
import { RATED_PER_CALL } from "./rating";

export interface LeadCallRating {
  service: string;
  name: string;
  category: string;
  company_id: string;
  rating: number;
  threshold: number;
  decision: CandidateDecision;
  note: string | null;
  reasons: string[];
}

export interface LeadCallLead {
  id: string;
  service: string;
  category: string;
  target_company: { id: string; name: string };
  rating: number;
  reasons: string[];
  routing_reason: string;
  status: "queued" | "would_create";
}

export interface LeadCallAnswer {
  client_ref: string | null;
  dry_run: boolean;
  model_version: string | null;
  ratings: LeadCallRating[];
  leads: LeadCallLead[];
  not_routed: Array<{ category: string; reason: string; message: string }>;
}

/** A rating as answered: one decimal. */
function answeredRating(rating: number): number {
  return Math.round(rating * 10) / 10;
}

/** The answer before any lead is created: ratings, and for a dry run the leads it would create. */
export function renderAnswer(
  clientId: string,
  dryRun: boolean,
  modelVersion: string | null,
  outcomes: readonly CandidateOutcome[],
  notRouted: ReadonlyArray<{ category: string; reason: string; message: string }>,
  context: LeadContext,
): LeadCallAnswer {
  return {
    client_ref: clientId,
    dry_run: dryRun,
    model_version: modelVersion,
    ratings: outcomes.slice(0, RATED_PER_CALL).map((outcome) => {
      const service = context.serviceById.get(outcome.service.serviceId) as CatalogService;
      return {
        service: service.code,
        name: service.name,
        category: service.category,
        company_id: service.companyId,
        rating: answeredRating(outcome.service.rating),
        threshold: outcome.threshold,
        decision: outcome.decision,
        note: outcome.note,
        reasons: [...outcome.service.reasons],
      };
    }),
    leads: dryRun
      ? outcomes
          .filter((outcome) => outcome.decision === "lead")
          .map((outcome) => ({
            id: "",
            service: outcome.service.serviceCode,
            category: outcome.service.category,
            target_company: {
              id: outcome.service.companyId,
              name: context.companies.get(outcome.service.companyId)?.name ?? "",
            },
            rating: answeredRating(outcome.service.rating),
            reasons: [...outcome.service.reasons],
            routing_reason: outcome.routed?.reason ?? "",
            status: "would_create" as const,
          }))
      : [],
    not_routed: notRouted.map((n) => ({ category: n.category, reason: n.reason, message: n.message })),
  };
}
