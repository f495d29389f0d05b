/**
 * Consumer of `lead-dispatch-dlq`: each lead whose dispatch message exhausted its retries is
 * recorded as failed (the use case `recordDeadLetter`). If D1 is unavailable the message is retried
 * with growing delays, so it is recorded once D1 is back; a message that names no lead is dropped
 * with a trace for operators.
 */
import { retryDelaySeconds } from "../../domain/delivery-policy";
import type { Env } from "../../env";
import { type DeliveryDeps, defaultDeliveryDeps, recordDeadLetter } from "../../usecases/lead-delivery/deliver";
import { describeError, safeJson } from "../logging";
import { parseLeadDispatchMessage } from "./message";

/** First retry delay of the dead-letter consumer when D1 is unavailable (then ×3, capped at 12 h). */
export const DEAD_LETTER_RETRY_BASE_SECONDS = 60;

/** Handles a `lead-dispatch-dlq` batch, one message after the other. */
export async function consumeLeadDeadLetters(
  batch: MessageBatch<unknown>,
  env: Env,
  deps: Pick<DeliveryDeps, "clock" | "random"> = defaultDeliveryDeps,
): Promise<void> {
  for (const message of batch.messages) {
    const body = parseLeadDispatchMessage(message.body);
    if (!body) {
      // Nothing to attach it to: leave a trace for operators and let it go.
      console.error("lead-dispatch-dlq: unreadable message dropped", message.id, safeJson(message.body));
      message.ack();
      continue;
    }
    try {
      const recorded = await recordDeadLetter(env, body, deps.clock());
      if (recorded === "unknown_lead") {
        console.error("lead-dispatch-dlq: message for an unknown lead dropped", body.leadId);
      }
      message.ack();
    } catch (error) {
      console.error("lead-dispatch-dlq: recording failed; retrying", body.leadId, describeError(error));
      message.retry({
        delaySeconds: retryDelaySeconds(message.attempts, null, deps.random, DEAD_LETTER_RETRY_BASE_SECONDS),
      });
    }
  }
}
