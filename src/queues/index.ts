import type { Env } from "../env";
import { consumeBotWork } from "./bot-work/consumer";
import { recordBotWorkDeadLetters } from "./bot-work/dead-letters";
import { BOT_WORK_DLQ, BOT_WORK_QUEUE, type BotWorkMessage } from "./bot-work/message";
import { consumeLeadDispatch } from "./lead-dispatch/consumer";
import { consumeLeadDeadLetters } from "./lead-dispatch/dead-letters";
import { LEAD_DISPATCH_DLQ, LEAD_DISPATCH_QUEUE, type LeadDispatchMessage } from "./lead-dispatch/message";
import { consumeModelRebuild } from "./model-rebuild/consumer";
import { consumeModelRebuildDeadLetters } from "./model-rebuild/dead-letters";
import { MODEL_REBUILD_DLQ, MODEL_REBUILD_QUEUE, type ModelRebuildStepMessage } from "./model-rebuild/message";

/** Every message body the Worker's queues carry. */
export type QueueMessage = LeadDispatchMessage | ModelRebuildStepMessage | BotWorkMessage;

/**
 * Entry point of every queue bound in wrangler.toml: `lead-dispatch` (push leads to partner
 * webhooks), `model-rebuild` (steps of a full model rebuild), `bot-work` (the Telegram bot's offers and
 * leads) and their dead-letter queues, told
 * apart by `batch.queue`. Each consumer parses its own messages.
 */
export async function handleQueue(batch: MessageBatch<unknown>, env: Env, _ctx: ExecutionContext): Promise<void> {
  switch (batch.queue) {
    case LEAD_DISPATCH_QUEUE:
      return consumeLeadDispatch(batch, env);
    case LEAD_DISPATCH_DLQ:
      return consumeLeadDeadLetters(batch, env);
    case MODEL_REBUILD_QUEUE:
      return consumeModelRebuild(batch, env);
    case MODEL_REBUILD_DLQ:
      return consumeModelRebuildDeadLetters(batch, env);
    case BOT_WORK_QUEUE:
      return consumeBotWork(batch, env);
    case BOT_WORK_DLQ:
      return recordBotWorkDeadLetters(batch);
    default:
      // A queue bound by mistake: keep its messages rather than drop them.
      console.error("queue handler: unexpected queue", batch.queue);
      batch.retryAll();
  }
}
