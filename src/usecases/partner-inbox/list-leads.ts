/**
 * `GET /v1/partner/leads`: the company's inbox, oldest first, from an opaque cursor. Polling with
 * the returned cursor never skips a lead (see `listInboxLeads`). Reading is receiving: every listed
 * lead not yet delivered counts as delivered from now on (status, `delivered_at`, funnel), exactly
 * as a 2xx webhook would.
 */
import { decodeInboxCursor, encodeInboxCursor, mergeInboxPages } from "../../domain/inbox-cursor";
import type { LeadStatus } from "../../domain/lead-status";
import type { Env } from "../../env";
import { listInboxLeads, markFetchedFromInbox } from "../../storage/leads";
import { clientShards, groupIdsByShard } from "../../storage/shards";
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
  const shards = clientShards(env);
  const after = decodeInboxCursor(query.cursor, shards.length);
  const limit = query.limit ?? DEFAULT_INBOX_LIMIT;
  // Every shard's next leads at once, merged oldest first.
  const pages = await Promise.all(
    shards.map((shard, index) =>
      listInboxLeads(shard.db, companyId, {
        afterSeq: after[index],
        limit: limit + 1,
        status: query.status ?? undefined,
      }),
    ),
  );
  const merged = mergeInboxPages(pages, after, limit);
  const undelivered = merged.items.filter((lead) => lead.deliveredAt === null).map((lead) => lead.id);
  const deliveredPerShard = await Promise.all(
    [...groupIdsByShard(env, undelivered)].map(([shard, ids]) => markFetchedFromInbox(shard.db, ids, now)),
  );
  const delivered = new Set(deliveredPerShard.flatMap((ids) => [...ids]));
  const items = merged.items.map((lead): InboxLeadRecord => {
    if (!delivered.has(lead.id)) return lead;
    const status = lead.status === "queued" || lead.status === "failed" ? "delivered" : lead.status;
    return { ...lead, status, deliveredAt: now, updatedAt: now };
  });
  return { items, nextCursor: encodeInboxCursor(merged.positions), hasMore: merged.hasMore };
}
