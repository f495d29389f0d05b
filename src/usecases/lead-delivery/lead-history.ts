/** The admin's view of one lead (`GET /v1/admin/leads/{id}`): the stored lead and every event of its lifecycle. */
import { DomainError } from "../../domain/errors";
import type { Env } from "../../env";
import { findLead, type LeadEventRow, type LeadRow, listLeadEvents } from "../../storage/leads";
import { shardOfId } from "../../storage/shards";

/** A stored lead, with its document and routing record as JSON text. */
export type LeadRecord = LeadRow;
/** One event of a lead's lifecycle. */
export type LeadEventRecord = LeadEventRow;

/** @throws DomainError `not_found`. */
export async function getLeadHistory(
  env: Env,
  leadId: string,
): Promise<{ lead: LeadRecord; events: LeadEventRecord[] }> {
  const db = shardOfId(env, leadId)?.db;
  const lead = db ? await findLead(db, leadId) : null;
  if (!db || !lead) throw new DomainError("not_found", `Lead ${leadId} not found`);
  return { lead, events: await listLeadEvents(db, lead.id) };
}
