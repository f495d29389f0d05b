/** Shared pieces of the partner inbox routes: response schemas and the lead → JSON mapping. */
import { z } from "zod";
import { type LeadDocument, leadDocumentSchema } from "../../../domain/lead-document";
import { LEAD_STATUSES } from "../../../domain/lead-status";
import { iso, isoOrNull as isoOrNullOf } from "../../../domain/time";
import type { InboxLeadRecord } from "../../../usecases/partner-inbox/inbox-lead";

export const leadStatusSchema = z.enum(LEAD_STATUSES).meta({
  id: "LeadStatus",
  description:
    "`queued`: waiting (webhook push pending or retrying, or waiting in the inbox for companies without a webhook); " +
    "`delivered`: the webhook answered 2xx; `failed`: pushing ended without success (see `last_delivery_error`), " +
    "the lead stays in the inbox; `acknowledged`: confirmed by the partner; `accepted` / `declined`: outcome reported " +
    "(the latest report wins); `expired`: no longer actionable.",
});

const isoOrNull = z.iso.datetime().nullable();

export const inboxLeadSchema = z
  .object({
    id: z.string(),
    status: leadStatusSchema,
    created_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
    delivered_at: isoOrNull.describe("First successful webhook delivery"),
    acknowledged_at: isoOrNull,
    outcome_at: isoOrNull.describe("When the reported deal happened"),
    delivery_attempts: z.number().int().describe("Webhook requests made so far"),
    last_delivery_error: z.string().nullable().describe("Why the last webhook attempt failed, if it did"),
    lead: leadDocumentSchema,
  })
  .meta({ id: "InboxLead" });

export type InboxLead = z.infer<typeof inboxLeadSchema>;

/** A lead row as the receiving company sees it. */
export function toInboxLead(row: InboxLeadRecord): InboxLead {
  return {
    id: row.id,
    status: row.status,
    created_at: iso(row.createdAt),
    updated_at: iso(row.updatedAt),
    delivered_at: isoOrNullOf(row.deliveredAt),
    acknowledged_at: isoOrNullOf(row.acknowledgedAt),
    outcome_at: isoOrNullOf(row.outcomeAt),
    delivery_attempts: row.deliveryAttempts,
    last_delivery_error: row.lastError,
    lead: JSON.parse(row.payload) as LeadDocument,
  };
}

export const leadIdParams = z.object({
  id: z.string().min(1).max(64).describe("Lead id (`ld_…`)"),
});
