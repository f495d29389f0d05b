/** A lead as its receiving company sees it through the inbox, and the one way to find one. */
import { DomainError } from "../../domain/errors";
import type { Db } from "../../storage/db";
import { findCompanyLead, type LeadRow } from "../../storage/leads";
import { type DatabaseBindings, shardOfId } from "../../storage/shards";

/** A lead of the caller's inbox: its stored row (the document is the JSON `payload`). */
export type InboxLeadRecord = LeadRow;

/** 404 for a lead that does not exist or belongs to another company (indistinguishable). */
export function leadNotFound(id: string): DomainError {
  return new DomainError("not_found", `Lead ${id} not found`);
}

/**
 * The shard that holds the lead with this id.
 * @throws DomainError `not_found` for an id that cannot be one of ours (the same answer as an unknown lead).
 */
export function leadShard(env: DatabaseBindings, leadId: string): Db {
  const shard = shardOfId(env, leadId);
  if (!shard) throw leadNotFound(leadId);
  return shard.db;
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
