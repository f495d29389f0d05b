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
}

/** Reads a message body; null if it is not a message this queue's consumers understand. */
export function parseLeadDispatchMessage(body: unknown): LeadDispatchMessage | null {
  if (typeof body !== "object" || body === null) return null;
  const message = body as Record<string, unknown>;
  if (message.v !== 1 || message.type !== "deliver_lead" || typeof message.leadId !== "string") return null;
  if (message.leadId === "" || message.leadId.length > 64) return null;
  return {
    v: 1,
    type: "deliver_lead",
    leadId: message.leadId,
    ...(message.redelivery === true ? { redelivery: true } : {}),
  };
}
