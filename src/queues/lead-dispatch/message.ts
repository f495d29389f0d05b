/**
 * Messages of the `lead-dispatch` queue and its dead-letter queue `lead-dispatch-dlq`: one per lead
 * to push to its company's webhook. Versioned so a consumer can refuse what it does not understand
 * instead of guessing.
 */

/** Queue names as declared in wrangler.toml. */
export const LEAD_DISPATCH_QUEUE = "lead-dispatch";
export const LEAD_DISPATCH_DLQ = "lead-dispatch-dlq";

export interface LeadDispatchMessage {
  v: 1;
  type: "deliver_lead";
  leadId: string;
  /** Set by admin redelivery so the attempt log tells the two apart. */
  redelivery?: boolean;
  /**
   * The delivery attempt this message is for: absent (= 1) when the lead call, the sweep or a
   * redelivery sends it; n + 1 when the consumer sends it again after attempt n failed.
   */
  attempt?: number;
}

/** Highest attempt number a message may carry (far above the policy's; only guards against junk). */
const MAX_CARRIED_ATTEMPT = 1000;

/** Reads a message body; null if it is not a message this queue's consumers understand. */
export function parseLeadDispatchMessage(body: unknown): LeadDispatchMessage | null {
  if (typeof body !== "object" || body === null) return null;
  const message = body as Record<string, unknown>;
  if (message.v !== 1 || message.type !== "deliver_lead" || typeof message.leadId !== "string") return null;
  if (message.leadId === "" || message.leadId.length > 64) return null;
  const attempt = message.attempt;
  if (
    attempt !== undefined &&
    (typeof attempt !== "number" || !Number.isInteger(attempt) || attempt < 1 || attempt > MAX_CARRIED_ATTEMPT)
  ) {
    return null;
  }
  return {
    v: 1,
    type: "deliver_lead",
    leadId: message.leadId,
    ...(message.redelivery === true ? { redelivery: true } : {}),
    ...(attempt !== undefined && attempt > 1 ? { attempt } : {}),
  };
}
