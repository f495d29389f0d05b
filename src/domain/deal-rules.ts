/**
 * Rules every deal report obeys, whoever reports it (a CRM's `POST /v1/deals` or a partner's
 * outcome on a lead): how far ahead of the clock it may be dated and how large its amount may be.
 */
import { DomainError } from "./errors";

/** A deal may be dated at most this far ahead of the server clock (clock skew). */
export const DEAL_FUTURE_TOLERANCE_MS = 5 * 60_000;

/** Largest accepted deal amount (RUB). */
export const MAX_DEAL_AMOUNT = 1_000_000_000_000;

/** Whether a RUB amount is a whole number of kopecks (at most two decimals, up to float noise). */
export function isWholeKopecks(amount: number): boolean {
  const kopecks = amount * 100;
  return Math.abs(kopecks - Math.round(kopecks)) < 1e-6;
}

/**
 * The epoch ms of a report's `occurred_at` (null when the report gives none); a time beyond the
 * tolerated clock skew is `validation_failed` at ["body", "occurred_at"].
 */
export function occurredAtOf(occurredAt: string | undefined, now: number): number | null {
  if (occurredAt === undefined) return null;
  const at = Date.parse(occurredAt);
  if (at > now + DEAL_FUTURE_TOLERANCE_MS) {
    throw new DomainError("validation_failed", "`occurred_at` is in the future", ["body", "occurred_at"]);
  }
  return at;
}
