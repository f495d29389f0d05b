/**
 * `GET /v1/partner/leads`: the company's inbox, oldest first, from an opaque cursor. Polling with
 * the returned cursor never skips a lead (see `listInboxLeads`). Reading is receiving: every listed
 * lead not yet delivered counts as delivered from now on (status, `delivered_at`, funnel), exactly
 * as a 2xx webhook would.
 */
import { decodeInboxCursor, encodeInboxCursor } from "../../domain/inbox-cursor";
import type { LeadStatus } from "../../domain/lead-status";
import type { Env } from "../../env";
import { getDb } from "../../storage/db";
import { listInboxLeads, markFetchedFromInbox } from "../../storage/leads";
import type { InboxLeadRecord } from "./inbox-lead";

/** Page size when none is asked for. */
export const DEFAULT_INBOX_LIMIT = 50;
/** Largest page. */
export const MAX_INBOX_LIMIT = 100;

export interface InboxPage {
  items: InboxLeadRecord[];
  /** Always present: where the next poll continues (unchanged when the page is empty). */
  nextCursor: string;
  /** More leads matched right now. */
  hasMore: boolean;
}

/** @throws DomainError `validation_failed` at ["query", "cursor"] for a cursor this API did not return. */
export async function listInbox(
  env: Env,
  companyId: string,
  query: { cursor?: string | null; limit?: number | null; status?: LeadStatus | null },
  now = Date.now(),
): Promise<InboxPage> {
  const afterSeq = decodeInboxCursor(query.cursor);
  const limit = query.limit ?? DEFAULT_INBOX_LIMIT;
  const db = getDb(env.DB);
  const rows = await listInboxLeads(db, companyId, {
    afterSeq,
    limit: limit + 1,
    status: query.status ?? undefined,
  });
  const page = rows.slice(0, limit);
  const delivered = await markFetchedFromInbox(
    db,
    page.filter((lead) => lead.deliveredAt === null).map((lead) => lead.id),
    now,
  );
  const items = page.map((lead): InboxLeadRecord => {
    if (!delivered.has(lead.id)) return lead;
    const status = lead.status === "queued" || lead.status === "failed" ? "delivered" : lead.status;
    return { ...lead, status, deliveredAt: now, updatedAt: now };
  });
  const lastSeq = items.length > 0 ? items[items.length - 1].seq : afterSeq;
  return { items, nextCursor: encodeInboxCursor(lastSeq), hasMore: rows.length > limit };
}
