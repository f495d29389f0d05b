/**
 * Consumer of `lead-dispatch`: each message asks to push one lead to its company's webhook (the use
 * case `deliverLead`). This file decides what becomes of the message: acknowledged once its outcome
 * is recorded, retried with backoff otherwise. Messages are independent and run concurrently.
 */
import { retryDelaySeconds } from "../../domain/delivery-policy";
import type { Env } from "../../env";
import { type DeliveryDeps, defaultDeliveryDeps, deliverLead } from "../../usecases/lead-delivery/deliver";
import { describeError, safeJson } from "../logging";
import { parseLeadDispatchMessage } from "./message";

/** Handles a `lead-dispatch` batch. */
export async function consumeLeadDispatch(
  batch: MessageBatch<unknown>,
  env: Env,
  deps: DeliveryDeps = defaultDeliveryDeps,
): Promise<void> {
  await Promise.all(batch.messages.map((message) => consumeMessage(message, env, deps)));
}

async function consumeMessage(message: Message<unknown>, env: Env, deps: DeliveryDeps): Promise<void> {
  const backoff = () => ({ delaySeconds: retryDelaySeconds(message.attempts, null, deps.random) });
  const body = parseLeadDispatchMessage(message.body);
  if (!body) {
    // Possibly from a newer producer: keep it (retries, then the DLQ) rather than guess.
    console.error("lead-dispatch: unreadable message", message.id, safeJson(message.body));
    message.retry(backoff());
    return;
  }
  try {
    const outcome = await deliverLead(env, body, message.attempts, deps);
    switch (outcome.kind) {
      case "done":
        message.ack();
        return;
      case "retry":
        // After the last allowed attempt, retry() hands the message to the dead-letter queue.
        message.retry({ delaySeconds: outcome.delaySeconds });
        return;
      case "unknown_lead":
        console.error("lead-dispatch: unknown lead", body.leadId);
        message.retry(backoff());
        return;
    }
  } catch (error) {
    console.error("lead-dispatch: delivery bookkeeping failed; retrying", body.leadId, describeError(error));
    message.retry(backoff());
  }
}
