/**
 * Consumer of `model-rebuild-dlq`: a step whose message exhausted its retries ends its job as
 * failed (the use case `failDeadLetteredRebuildStep`), so a new rebuild can start.
 */
import type { Env } from "../../env";
import { failDeadLetteredRebuildStep } from "../../usecases/model/rebuild";
import { safeJson } from "../logging";
import { parseModelRebuildStepMessage } from "./message";

/** Handles a `model-rebuild-dlq` batch. A failure to record leaves the message for a retry. */
export async function consumeModelRebuildDeadLetters(
  batch: MessageBatch<unknown>,
  env: Env,
  clock: () => number = Date.now,
): Promise<void> {
  for (const message of batch.messages) {
    const step = parseModelRebuildStepMessage(message.body);
    if (!step) {
      console.error("model-rebuild-dlq: unreadable message dropped", message.id, safeJson(message.body));
      message.ack();
      continue;
    }
    await failDeadLetteredRebuildStep(env, step, clock());
    message.ack();
  }
}
