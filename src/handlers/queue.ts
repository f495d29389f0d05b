import type { Env } from "../env";
import type { LeadDispatchMessage } from "../storage/queue-messages";

/** Entry point of the `lead-dispatch` queue and its dead-letter queue. */
export async function handleQueue(batch: MessageBatch<LeadDispatchMessage>, _env: Env, _ctx: ExecutionContext) {
  // Delivery lands with the lead-flow issue; until then messages are retried, never dropped.
  batch.retryAll();
}
