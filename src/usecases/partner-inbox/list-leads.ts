/**
 * A partner reads one page of its inbox. Reading is receiving: every listed lead not yet delivered
 * counts as delivered from now on (status, `delivered_at`, funnel), exactly as a 2xx webhook would.
 */
import type { Db } from "../../storage/db";
import { type LeadRow, type LeadStatus, listInboxLeads, markFetchedFromInbox } from "../../storage/leads";

export interface InboxPageRequest {
  afterSeq: number;
  limit: number;
  status?: LeadStatus;
}

export interface InboxPageResult {
  leads: LeadRow[];
  hasMore: boolean;
}

export async function fetchInboxPage(
  db: Db,
  companyId: string,
  request: InboxPageRequest,
  now: number,
): Promise<InboxPageResult> {
  const rows = await listInboxLeads(db, companyId, { ...request, limit: request.limit + 1 });
  const page = rows.slice(0, request.limit);
  const delivered = await markFetchedFromInbox(
    db,
    page.filter((lead) => lead.deliveredAt === null).map((lead) => lead.id),
    now,
  );
  const leads = page.map((lead): LeadRow => {
    if (!delivered.has(lead.id)) return lead;
    const status = lead.status === "queued" || lead.status === "failed" ? "delivered" : lead.status;
    return { ...lead, status, deliveredAt: now, updatedAt: now };
  });
  return { leads, hasMore: rows.length > request.limit };
}
