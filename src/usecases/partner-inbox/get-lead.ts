/** `GET /v1/partner/leads/{id}`: one lead of the caller's inbox. */
import type { Env } from "../../env";
import { findInboxLead, type InboxLeadRecord, leadShard } from "./inbox-lead";

/** @throws DomainError `not_found` for a lead that is not the company's. */
export async function getInboxLead(env: Env, companyId: string, leadId: string): Promise<InboxLeadRecord> {
  return findInboxLead(leadShard(env, leadId), companyId, leadId);
}
