/**
 * A company's delivery log for the admin console (`GET /v1/admin/companies/{id}/deliveries`): the most
 * recent webhook attempts, deliveries, failures and endpoint stops of the leads it receives. Leads live
 * in the client shards, so every shard is asked for its own newest `limit` and the answers are merged.
 */
import { DomainError } from "../../domain/errors";
import type { Env } from "../../env";
import { getCompany } from "../../storage/companies";
import { type DeliveryLogRow, listCompanyDeliveryEvents } from "../../storage/leads";
import { clientShards, controlDb } from "../../storage/shards";

export const DELIVERY_LOG_MAX_LIMIT = 200;

/** @throws DomainError `not_found` when the company does not exist. */
export async function listCompanyDeliveries(env: Env, companyId: string, limit: number): Promise<DeliveryLogRow[]> {
  if (!(await getCompany(controlDb(env), companyId))) {
    throw new DomainError("not_found", `Company ${companyId} not found`);
  }
  const perShard = await Promise.all(
    clientShards(env).map((shard) => listCompanyDeliveryEvents(shard.db, companyId, limit)),
  );
  // Event ids are per shard, so ties on time are broken by lead id, then the shard-local id.
  return perShard
    .flat()
    .sort((a, b) => b.at - a.at || (a.leadId < b.leadId ? 1 : a.leadId > b.leadId ? -1 : b.id - a.id))
    .slice(0, limit);
}
