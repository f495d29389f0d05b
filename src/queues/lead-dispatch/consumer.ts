/**
 * Consumer of `lead-dispatch`: each message asks to push one lead to its company's webhook (the use
 * case `deliverLead`). This file decides what becomes of the message.
 *
 * - The batch's leads and receiving companies are read once for all its messages (batch-reads.ts).
 * - The whole batch is delivered at once; requests to one receiving company go through its lane
 *   (at most DELIVERY_CONCURRENCY_PER_RECEIVER at a time) and are abandoned after
 *   DELIVERY_TIMEOUT_MS, so a slow or failing partner never holds up the other receivers' messages.
 * - A message is acknowledged once its outcome is recorded. When the attempt failed, it is first
 *   sent again with the next attempt number and `delaySeconds` = the backoff; after the last
 *   attempt it is sent to `lead-dispatch-dlq` instead. Failed deliveries are never `retry()`d:
 *   Cloudflare lowers a consumer's concurrency when its messages are retried, which would let one
 *   failing partner slow down everyone's deliveries.
 * - `retry()` remains the fallback that keeps accepted work: when that re-send itself fails, and for
 *   messages this consumer cannot read (perhaps from a newer producer).
 */
import {
  deliveryAttempt,
  deliveryTuning,
  isLastDeliveryAttempt,
  MAX_DELIVERY_ATTEMPTS,
  retryDelaySeconds,
} from "../../domain/delivery-policy";
import type { Env } from "../../env";
import { batchDeliveryReads } from "../../usecases/lead-delivery/batch-reads";
import {
  type DeliveryDeps,
  defaultDeliveryDeps,
  deliverLead,
  scheduleNextAttempt,
  sendToDeadLetters,
} from "../../usecases/lead-delivery/deliver";
import { receiverLanes } from "../../usecases/lead-delivery/receiver-lanes";
import { describeError, safeJson } from "../logging";
import { type LeadDispatchMessage, parseLeadDispatchMessage } from "./message";

/** Handles a `lead-dispatch` batch: every message at once, each receiver in its own lane. */
export async function consumeLeadDispatch(
  batch: MessageBatch<unknown>,
  env: Env,
  deps: DeliveryDeps = defaultDeliveryDeps,
): Promise<void> {
  const { tuning, invalid } = deliveryTuning(env);
  for (const problem of invalid) console.error("lead-dispatch: invalid setting", problem);
  const leadIds = batch.messages.flatMap((message) => parseLeadDispatchMessage(message.body)?.leadId ?? []);
  const batchDeps: DeliveryDeps = {
    ...deps,
    timeoutMs: deps.timeoutMs ?? tuning.timeoutMs,
    lanes: deps.lanes ?? receiverLanes(tuning.perReceiverConcurrency),
    reads: deps.reads ?? batchDeliveryReads(env, leadIds),
  };
  await Promise.all(batch.messages.map((message) => consumeMessage(message, env, batchDeps)));
}

async function consumeMessage(message: Message<unknown>, env: Env, deps: DeliveryDeps): Promise<void> {
  const body = parseLeadDispatchMessage(message.body);
  if (!body) {
    // Possibly from a newer producer: keep it as it is (retries, then the DLQ) rather than guess.
    console.error("lead-dispatch: unreadable message", message.id, safeJson(message.body));
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts, null, deps.random) });
    return;
  }
  const attempt = deliveryAttempt(body.attempt, message.attempts);
  if (attempt > MAX_DELIVERY_ATTEMPTS) {
    // The last attempt was made, but handing the message to the dead-letter queue failed: finish that.
    await reschedule(message, env, body, attempt, retryDelaySeconds(attempt, null, deps.random));
    return;
  }
  let delaySeconds: number;
  try {
    const outcome = await deliverLead(env, body, attempt, deps);
    switch (outcome.kind) {
      case "done":
        message.ack();
        return;
      case "retry":
        delaySeconds = outcome.delaySeconds;
        break;
      case "unknown_lead":
        // Its creating write may not be visible yet; after the last attempt the DLQ consumer drops it.
        console.error("lead-dispatch: unknown lead", body.leadId);
        delaySeconds = retryDelaySeconds(attempt, null, deps.random);
        break;
    }
  } catch (error) {
    console.error("lead-dispatch: delivery bookkeeping failed; sending again", body.leadId, describeError(error));
    delaySeconds = retryDelaySeconds(attempt, null, deps.random);
  }
  await reschedule(message, env, body, attempt, delaySeconds);
}

/**
 * After failed attempt `attempt`: the next attempt goes back on the queue after `delaySeconds`, or,
 * when it was the last, the message goes to the dead-letter queue; then this copy is acknowledged.
 * If the queue refuses the send, this copy is retried instead, so the lead is never dropped.
 */
async function reschedule(
  message: Message<unknown>,
  env: Env,
  body: LeadDispatchMessage,
  attempt: number,
  delaySeconds: number,
): Promise<void> {
  try {
    if (isLastDeliveryAttempt(attempt)) await sendToDeadLetters(env, body);
    else await scheduleNextAttempt(env, body, attempt + 1, delaySeconds);
  } catch (error) {
    console.error("lead-dispatch: re-send failed; retrying the message", body.leadId, describeError(error));
    message.retry({ delaySeconds });
    return;
  }
  message.ack();
}
