import { deliverBatch, LEAD_DISPATCH_DLQ, LEAD_DISPATCH_QUEUE, recordDeadLetterBatch } from "../delivery/consumer";
import type { Env } from "../env";
import type { LeadDispatchMessage } from "../storage/queue-messages";

/**
 * Entry point of the `lead-dispatch` queue (push leads to partner webhooks) and its dead-letter
 * queue `lead-dispatch-dlq` (record leads whose retries ran out), told apart by `batch.queue`.
 */
export async function handleQueue(batch: MessageBatch<LeadDispatchMessage>, env: Env, _ctx: ExecutionContext) {
  if (batch.queue === LEAD_DISPATCH_QUEUE) return deliverBatch(batch, env);
  if (batch.queue === LEAD_DISPATCH_DLQ) return recordDeadLetterBatch(batch, env);
  // A queue bound by mistake: keep its messages rather than drop them.
  console.error("queue handler: unexpected queue", batch.queue);
  batch.retryAll();
}
