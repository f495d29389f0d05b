/**
 * The lifecycle of a lead, one list for the table, the API and the use cases.
 *
 * - `queued`: accepted by CactuBase and waiting (a webhook push pending or retrying, or waiting in
 *   the inbox of a company that receives no pushes).
 * - `delivered`: the partner's endpoint answered 2xx.
 * - `failed`: pushing is over without success; the lead stays in the inbox.
 * - `acknowledged`: the partner confirmed receipt.
 * - `accepted` / `declined`: an outcome was reported (the latest report wins).
 * - `expired`: no longer actionable.
 */

/** Every lead status, in lifecycle order. */
export const LEAD_STATUSES = [
  "queued",
  "delivered",
  "failed",
  "acknowledged",
  "accepted",
  "declined",
  "expired",
] as const;

export type LeadStatus = (typeof LEAD_STATUSES)[number];

/** Statuses an admin may redeliver from: the partner has not confirmed receipt yet. */
export const REDELIVERABLE_STATUSES = ["queued", "delivered", "failed"] as const satisfies readonly LeadStatus[];

/** Statuses of a lead that is still being worked: no second lead for its client and service meanwhile. */
export const OPEN_LEAD_STATUSES = ["queued", "delivered", "acknowledged"] as const satisfies readonly LeadStatus[];
