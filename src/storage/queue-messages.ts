/**
 * Messages on the `lead-dispatch` queue (and its dead-letter queue). Versioned so a consumer can
 * refuse what it does not understand instead of guessing.
 */
export interface LeadDispatchMessage {
  v: 1;
  type: "deliver_lead";
  leadId: string;
  /** Set by admin redelivery so the attempt log tells the two apart. */
  redelivery?: boolean;
}
