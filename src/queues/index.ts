import type { Env } from "../env";
import type { DispatchQueueMessage } from "../storage/queue-messages";
import {
  deliverBatch,
  LEAD_DISPATCH_DLQ,
  LEAD_DISPATCH_QUEUE,
  recordDeadLetterBatch,
} from "../usecases/lead-delivery/deliver";
import { handleRebuildSteps, splitRebuildSteps } from "../usecases/model/rebuild";
import { BOT_WORK_DLQ, BOT_WORK_QUEUE, consumeBotWork } from "./bot-work/consumer";
import { recordBotWorkDeadLetters } from "./bot-work/dead-letters";

/**
 * Entry point of the `lead-dispatch` queue (push leads to partner webhooks) and its dead-letter
 * queue `lead-dispatch-dlq` (record leads whose retries ran out), told apart by `batch.queue`.
 */
export async function handleQueue(batch: MessageBatch<DispatchQueueMessage>, env: Env, _ctx: ExecutionContext) {
  if (batch.queue === BOT_WORK_QUEUE) return consumeBotWork(batch as MessageBatch<unknown>, env);
  if (batch.queue === BOT_WORK_DLQ) return recordBotWorkDeadLetters(batch as MessageBatch<unknown>);
  // The recommender's full-rebuild steps share these queues (src/jobs/rebuild.ts); they run beside the deliveries.
  const { steps, rest } = splitRebuildSteps(batch);
  await Promise.all([
    handleRebuildSteps(steps, env, batch.queue === LEAD_DISPATCH_DLQ),
    rest.messages.length > 0 ? handleLeadDispatch(rest, env) : null,
  ]);
}

async function handleLeadDispatch(batch: MessageBatch<DispatchQueueMessage>, env: Env) {
  if (batch.queue === LEAD_DISPATCH_QUEUE) return deliverBatch(batch, env);
  if (batch.queue === LEAD_DISPATCH_DLQ) return recordDeadLetterBatch(batch, env);
  // A queue bound by mistake: keep its messages rather than drop them.
  console.error("queue handler: unexpected queue", batch.queue);
  batch.retryAll();
}
