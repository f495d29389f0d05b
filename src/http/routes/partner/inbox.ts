/**
 * Shared pieces of the partner inbox routes: response schemas, the row → JSON mapping and the
 * opaque pagination cursor.
 */
import { z } from "zod";
import { DomainError } from "../../../domain/errors";
import { type LeadDocument, leadDocumentSchema } from "../../../domain/lead-document";
import { iso, isoOrNull as isoOrNullOf } from "../../../domain/time";
import { LEAD_STATUSES, type LeadRow } from "../../../storage/leads";

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
export function toInboxLead(row: LeadRow): InboxLead {
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

/** 404 for a lead that does not exist or belongs to another company (indistinguishable). */
export function leadNotFound(id: string): DomainError {
  return new DomainError("not_found", `Lead ${id} not found`);
}

// ---------------------------------------------------------------------------------------------
// Cursor: opaque to partners; today the base64url of {"v":1,"after":<seq>}.

/** Encodes "continue after inbox position `seq`". */
export function encodeCursor(seq: number): string {
  return btoa(JSON.stringify({ v: 1, after: seq }))
    .replaceAll("+", "-")
    .replaceAll("/", "_")
    .replace(/=+$/, "");
}

/** The position a cursor continues after; an empty cursor starts at the beginning. 400 if malformed. */
export function decodeCursor(cursor: string | null | undefined): number {
  if (cursor === null || cursor === undefined || cursor === "") return 0;
  try {
    if (!/^[A-Za-z0-9_-]{1,200}$/.test(cursor)) throw new Error("alphabet");
    const json = atob(cursor.replaceAll("-", "+").replaceAll("_", "/"));
    const value = JSON.parse(json) as { v?: unknown; after?: unknown };
    if (value.v === 1 && Number.isSafeInteger(value.after) && (value.after as number) >= 0)
      return value.after as number;
  } catch {
    // fall through to the error below
  }
  throw new DomainError(
    "validation_failed",
    "`cursor` is not a cursor returned by this API: pass `next_cursor` unchanged",
    ["query", "cursor"],
  );
}
