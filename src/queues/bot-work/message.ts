/**
 * Messages of the `bot-work` queue: the bot's slow work, taken off the webhook so Telegram gets its
 * answer at once. Versioned so a consumer refuses what it does not understand instead of guessing.
 * They carry only random ids, never a Telegram id.
 */

/** Queue names as declared in wrangler.toml. */
export const BOT_WORK_QUEUE = "bot-work";
export const BOT_WORK_DLQ = "bot-work-dlq";

/** Rate the person's cold-start profile and send the offers the caps allow. */
export interface SendOffersMessage {
  v: 1;
  type: "send_offers";
  personId: string;
}

/** The person pressed "Interested": create the lead through the lead call's routing and answer. */
export interface ExpressInterestMessage {
  v: 1;
  type: "express_interest";
  offerId: string;
}

/** A deal on a lead the bot made was accepted: earn `deal_accepted` (and the referrer's `referral_converted`). */
export interface DealAcceptedMessage {
  v: 1;
  type: "deal_accepted";
  leadId: string;
}

export type BotWorkMessage = SendOffersMessage | ExpressInterestMessage | DealAcceptedMessage;

/** The message, or null when it is not one this consumer understands. */
export function parseBotWorkMessage(body: unknown): BotWorkMessage | null {
  if (typeof body !== "object" || body === null) return null;
  const m = body as Record<string, unknown>;
  if (m.v !== 1) return null;
  if (m.type === "send_offers" && typeof m.personId === "string")
    return { v: 1, type: "send_offers", personId: m.personId };
  if (m.type === "express_interest" && typeof m.offerId === "string") {
    return { v: 1, type: "express_interest", offerId: m.offerId };
  }
  if (m.type === "deal_accepted" && typeof m.leadId === "string")
    return { v: 1, type: "deal_accepted", leadId: m.leadId };
  return null;
}
