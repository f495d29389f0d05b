/**
 * `POST /v1/partner/leads/{id}/ack`: the receiving company confirms it has the lead. Idempotent: a
 * `queued`, `delivered` or `failed` lead becomes `acknowledged` once; repeating changes nothing.
 */
import type { Env } from "../../env";
import { acknowledgeLead, findCompanyLead } from "../../storage/leads";
import { findInboxLead, type InboxLeadRecord, leadShard } from "./inbox-lead";

/** The lead after acknowledgement. @throws DomainError `not_found` for a lead that is not the company's. */
export async function acknowledgeInboxLead(
  env: Env,
  companyId: string,
  leadId: string,
  now = Date.now(),
): Promise<InboxLeadRecord> {
  const db = leadShard(env, leadId);
  const lead = await findInboxLead(db, companyId, leadId);
  if (lead.acknowledgedAt !== null) return lead;
  await acknowledgeLead(db, lead.id, now);
  return (await findCompanyLead(db, companyId, leadId)) ?? lead;
}
