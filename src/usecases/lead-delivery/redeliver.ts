/**
 * Admin redelivery (`POST /v1/admin/leads/{id}/redeliver`): a lead the partner has not confirmed
 * goes back on the dispatch queue with the same webhook id, so a receiver that already has it can
 * drop the repeat. When the queue refuses the message, the sweep sends it within minutes.
 */
import { DomainError } from "../../domain/errors";
import { REDELIVERABLE_STATUSES } from "../../domain/lead-status";
import type { Env } from "../../env";
import { enqueueLeads, findLead, markForRedelivery } from "../../storage/leads";
import { shardOfId } from "../../storage/shards";

export interface Redelivery {
  leadId: string;
  /** false: the queue refused the message now; the sweep retries it. */
  enqueued: boolean;
}

/**
 * @param requestedBy the admin key id, recorded on the `redeliver_requested` event.
 * @throws DomainError `not_found`; `conflict` when the lead is past the redeliverable statuses.
 */
export async function redeliverLead(
  env: Env,
  leadId: string,
  requestedBy: string,
  now = Date.now(),
): Promise<Redelivery> {
  const db = shardOfId(env, leadId)?.db;
  const lead = db ? await findLead(db, leadId) : null;
  if (!db || !lead) throw new DomainError("not_found", `Lead ${leadId} not found`);
  if (!(await markForRedelivery(db, lead.id, requestedBy, now))) {
    const current = (await findLead(db, lead.id))?.status ?? lead.status;
    throw new DomainError(
      "conflict",
      `Lead ${lead.id} is ${current}; only ${REDELIVERABLE_STATUSES.join(", ")} leads can be redelivered`,
    );
  }
  const result = await enqueueLeads(env, [lead.id], { redelivery: true, now });
  return { leadId: lead.id, enqueued: result.enqueued.length === 1 };
}
