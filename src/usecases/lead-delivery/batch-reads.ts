/**
 * What the deliveries of one `lead-dispatch` batch read, read once for the whole batch: every lead
 * of the batch in one query per shard, each receiving company once. Delivered one by one, a batch
 * of n messages made 2n D1 reads (its lead, its company); D1 runs one query at a time per database,
 * so those reads competed with the lead calls of the same shard.
 *
 * The rows are read when the first delivery asks, so a duplicate message for a lead in the same
 * batch sees the same row: as before, when both read it before either wrote, and the receiver
 * deduplicates by webhook-id.
 */
import type { Env } from "../../env";
import { type CompanyRow, getCompany } from "../../storage/companies";
import { findLead, findLeads, type LeadRow } from "../../storage/leads";
import { controlDb, groupIdsByShard, shardOfId } from "../../storage/shards";

export interface DeliveryReads {
  /** The lead (null when it is not visible, e.g. its creating write not yet). */
  lead(leadId: string): Promise<LeadRow | null>;
  company(companyId: string): Promise<CompanyRow | null>;
}

/** Reads for a batch whose messages name `leadIds` (a lead outside them is read on its own). */
export function batchDeliveryReads(env: Env, leadIds: readonly string[]): DeliveryReads {
  const batchIds = new Set(leadIds);
  let leads: Promise<Map<string, LeadRow>> | null = null;
  const loadLeads = () => {
    leads ??= Promise.all([...groupIdsByShard(env, batchIds)].map(([shard, ids]) => findLeads(shard.db, ids))).then(
      (perShard) => new Map(perShard.flat().map((row) => [row.id, row])),
    );
    return leads;
  };
  const companies = new Map<string, Promise<CompanyRow | null>>();
  return {
    async lead(leadId) {
      if (batchIds.has(leadId)) return (await loadLeads()).get(leadId) ?? null;
      const db = shardOfId(env, leadId)?.db;
      return db ? findLead(db, leadId) : null;
    },
    company(companyId) {
      let company = companies.get(companyId);
      if (!company) {
        company = getCompany(controlDb(env), companyId);
        companies.set(companyId, company);
      }
      return company;
    },
  };
}
