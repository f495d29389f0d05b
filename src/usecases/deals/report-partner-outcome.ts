/**
 * `POST /v1/partner/leads/{id}/outcome`: the company that received a lead reports its outcome. The
 * deal write is the one CRM deals use (src/storage/deals.ts): every report is kept, the latest
 * `occurred_at` sets the lead status and the matrix, and repeating the latest report changes nothing.
 */
import { occurredAtOf } from "../../domain/deal-rules";
import type { Env } from "../../env";
import { getDb } from "../../storage/db";
import {
  buildDealWrite,
  commitDealWrite,
  type DealRow,
  findCommissionRate,
  findLatestLeadDeal,
  isSameOutcome,
} from "../../storage/deals";
import { findCompanyLead } from "../../storage/leads";
import { findInboxLead, type InboxLeadRecord } from "../partner-inbox/inbox-lead";
import type { PartnerOutcome } from "./request";

/** The deal that stands for a lead, as its receiver sees it. */
export type PartnerDealRecord = Pick<DealRow, "id" | "outcome" | "amount" | "occurredAt" | "createdAt">;

export interface PartnerOutcomeResult {
  lead: InboxLeadRecord;
  deal: PartnerDealRecord;
  /** false when the report repeated the latest one. */
  changed: boolean;
}

/**
 * @param outcome the validated body.
 * @throws DomainError `validation_failed` (future `occurred_at`), `not_found` (not the company's lead).
 */
export async function reportPartnerOutcome(
  env: Env,
  request: { companyId: string; leadId: string; outcome: PartnerOutcome },
  now = Date.now(),
): Promise<PartnerOutcomeResult> {
  const { companyId, outcome: report } = request;
  const occurredAt = occurredAtOf(report.occurred_at, now);
  const db = getDb(env.DB);
  const lead = await findInboxLead(db, companyId, request.leadId);

  const amount = report.amount ?? null;
  const latest = await findLatestLeadDeal(db, lead.id);
  if (isSameOutcome(latest, { outcome: report.outcome, amount, occurredAt })) {
    return { lead, deal: latest, changed: false };
  }

  const { deal, statements } = buildDealWrite(db, {
    clientId: lead.clientId,
    serviceId: lead.serviceId,
    companyId,
    leadId: lead.id,
    outcome: report.outcome,
    amount,
    commissionRate: await findCommissionRate(db, companyId),
    reportedBy: "partner",
    interactionSource: "partner",
    occurredAt: occurredAt ?? now,
    now,
  });
  await commitDealWrite(db, statements);
  const updated = (await findCompanyLead(db, companyId, lead.id)) ?? lead;
  return { lead: updated, deal, changed: true };
}
