/**
 * Turning the lead call's decisions into rows: one packaged lead (the document the partner
 * receives, with the client under the receiver's own pseudonym) per routed `lead` decision, and one
 * scored-candidate row per rated service (the learning loop's record of what was offered and why).
 */

import type { StoredClientProfile } from "../../domain/client-profile";
import { buildLeadDocument } from "../../domain/lead-document";
import type { CandidateOutcome } from "../../domain/lead-selection";
import { receiverPseudonym } from "../../lib/crypto";
import type { NewScoredCandidate } from "../../storage/analytics";
import type { RollupIncrement } from "../../storage/candidate-rollups";
import type { LeadContext } from "../../storage/lead-context";
import type { NewLead } from "../../storage/leads";
import { newClientOwnedId, requireSlotOfId } from "../../storage/shards";
import type { LeadCallLead } from "./answer";
import { type ClientRating, RAW_CANDIDATES_PER_CALL } from "./rating";

export interface PackagingInput {
  pseudonymKey: string;
  context: LeadContext;
  outcomes: readonly CandidateOutcome[];
  rated: ClientRating;
  clientId: string;
  profile: StoredClientProfile;
  sourceCompanyId: string;
  now: number;
}

/** The new leads, in decision order. */
export async function packageLeads(input: PackagingInput): Promise<NewLead[]> {
  const { context, now, sourceCompanyId } = input;
  const sourceCompany = context.companies.get(sourceCompanyId);
  const newLeads: NewLead[] = [];
  for (const outcome of input.outcomes) {
    if (outcome.decision !== "lead" || !outcome.routed) continue;
    const target = context.companies.get(outcome.service.companyId)!;
    const service = context.serviceById.get(outcome.service.serviceId)!;
    const leadId = newClientOwnedId("ld", requireSlotOfId(input.clientId));
    const document = buildLeadDocument({
      leadId,
      createdAt: now,
      service: { code: service.code, name: service.name, category: service.category },
      targetCompany: { id: target.id, name: target.name },
      sourceCompany: { id: sourceCompanyId, name: sourceCompany?.name ?? sourceCompanyId },
      rating: outcome.service.rating,
      reasons: outcome.service.reasons,
      client: {
        pseudonym: await receiverPseudonym(input.pseudonymKey, target.id, input.clientId),
        age: input.profile.age,
        monthlyIncome: input.profile.monthlyIncome,
        region: input.profile.region,
        needs: input.profile.needs,
      },
      modelVersion: input.rated.modelVersion,
    });
    newLeads.push({
      document,
      clientId: input.clientId,
      serviceId: service.id,
      sourceCompanyId,
      targetCompanyId: target.id,
      rating: outcome.service.rating,
      routing: outcome.routed,
      modelVersion: input.rated.modelVersion,
      // A receiver without webhooks reads its leads from the inbox: nothing to enqueue.
      inboxReason: target.inboxReason ?? null,
    });
  }
  return newLeads;
}

/** The created leads as the answer lists them. */
export function answeredLeads(newLeads: readonly NewLead[], outcomes: readonly CandidateOutcome[]): LeadCallLead[] {
  return newLeads.map((lead) => {
    const outcome = outcomes.find((o) => o.service.serviceId === lead.serviceId)!;
    return {
      id: lead.document.lead_id,
      service: lead.document.service.code,
      category: lead.document.service.category,
      target_company: lead.document.target_company,
      rating: lead.document.rating,
      reasons: lead.document.reasons,
      routing_reason: outcome.routed?.reason ?? "",
      status: "queued" as const,
    };
  });
}

/**
 * The raw scored-candidate rows: the best RAW_CANDIDATES_PER_CALL decisions, any other service that
 * got past its threshold, and every decision an experiment governs, each linked to its lead when one
 * was created. Every decision, kept or not, is counted by {@link rollupIncrements}.
 */
export function scoredCandidateRows(
  input: Pick<PackagingInput, "outcomes" | "rated" | "clientId" | "now">,
  newLeads: readonly NewLead[],
): NewScoredCandidate[] {
  const leadIdByService = new Map(newLeads.map((lead) => [lead.serviceId, lead.document.lead_id]));
  const kept = input.outcomes.filter(
    (outcome, rank) =>
      rank < RAW_CANDIDATES_PER_CALL || outcome.decision !== "below_threshold" || outcome.experimentId !== null,
  );
  return kept.map((outcome) => ({
    clientId: input.clientId,
    serviceId: outcome.service.serviceId,
    companyId: outcome.service.companyId,
    rating: outcome.service.rating,
    threshold: outcome.threshold,
    decision: outcome.decision,
    leadId: leadIdByService.get(outcome.service.serviceId) ?? null,
    experimentId: outcome.experimentId,
    at: input.now,
    ...input.rated.partsByService.get(outcome.service.serviceId),
  }));
}

/** Every decision of the call as a rollup increment (no outcome yet: a deal moves it later). */
export function rollupIncrements(input: Pick<PackagingInput, "outcomes" | "now">): RollupIncrement[] {
  return input.outcomes.map((outcome) => ({
    at: input.now,
    companyId: outcome.service.companyId,
    serviceId: outcome.service.serviceId,
    rating: outcome.service.rating,
    decision: outcome.decision,
    outcome: 0,
  }));
}
