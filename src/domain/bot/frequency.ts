/**
 * Frequency caps of the bot's offers per person: a person is never flooded, and a service is
 * offered to a person at most once (answered or not).
 */

import { DAY_MS } from "../time";
export interface OfferCaps {
  /** Offers per rolling 24 hours. */
  perDay: number;
  /** Offers per rolling 7 days. */
  perWeek: number;
}

export const DEFAULT_OFFER_CAPS: OfferCaps = { perDay: 2, perWeek: 5 };

/** How many more offers the person may get now, given when earlier ones were sent. */
export function offersAllowedNow(sentAt: readonly number[], now: number, caps: OfferCaps = DEFAULT_OFFER_CAPS): number {
  const lastDay = sentAt.filter((t) => now - t < DAY_MS).length;
  const lastWeek = sentAt.filter((t) => now - t < 7 * DAY_MS).length;
  return Math.max(0, Math.min(caps.perDay - lastDay, caps.perWeek - lastWeek));
}
