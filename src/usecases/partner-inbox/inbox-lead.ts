/** A lead as its receiving company sees it through the inbox, and the one way to find one. */
import { DomainError } from "../../domain/errors";
import type { Db } from "../../storage/db";
import { findCompanyLead, type LeadRow } from "../../storage/leads";

/** A lead of the caller's inbox: its stored row (the document is the JSON `payload`). */
export type InboxLeadRecord = LeadRow;

/** 404 for a lead that does not exist or belongs to another company (indistinguishable). */
export function leadNotFound(id: string): DomainError {
  return new DomainError("not_found", `Lead ${id} not found`);
}

/**
 * The lead if `companyId` receives it.
 * @throws DomainError `not_found` otherwise, so other tenants cannot probe ids.
 */
export async function findInboxLead(db: Db, companyId: string, leadId: string): Promise<InboxLeadRecord> {
  const lead = await findCompanyLead(db, companyId, leadId);
  if (!lead) throw leadNotFound(leadId);
  return lead;
}
