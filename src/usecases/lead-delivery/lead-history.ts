/**
 * The admin's view of one lead (`GET /v1/admin/leads/{id}`): the stored lead and every event of its
 * lifecycle, from D1, or from the R2 archive once housekeeping moved it there (docs/storage.md).
 */
import { DomainError } from "../../domain/errors";
import type { Env } from "../../env";
import { findArchivedLead } from "../../storage/lead-archive";
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
  // The lead's id names its shard; an id that cannot be ours is simply not found.
  const db = shardOfId(env, leadId)?.db;
  if (!db) throw new DomainError("not_found", `Lead ${leadId} not found`);
  const lead = await findLead(db, leadId);
  if (lead) return { lead, events: await listLeadEvents(db, lead.id) };
  const archived = await findArchivedLead(db, env.ARCHIVE, leadId);
  if (!archived) throw new DomainError("not_found", `Lead ${leadId} not found`);
  return archived;
}
