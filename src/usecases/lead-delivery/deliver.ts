/**
 * Lead delivery, one lead at a time: push a lead to its company's webhook, send its dispatch
 * message again for the next attempt (or to the dead-letter queue after the last), or record a lead
 * whose dispatch message ran out of attempts. The `lead-dispatch` consumers (src/queues/lead-dispatch/)
 * call these and turn each outcome into an ack, a re-send or a dead letter.
 *
 * Queues deliver at least once, so every step is idempotent: a message for a lead that is no longer
 * waiting is done without sending, and a repeated send carries the same `webhook-id` for receivers
 * to deduplicate. Every outcome is written to D1 before it is returned; any unexpected failure
 * (D1 unavailable, a bug) throws, and the consumer sends the message again with backoff.
 */
import {
  classifyDeliveryStatus,
  inboxReason,
  isLastDeliveryAttempt,
  MAX_DELIVERY_ATTEMPTS,
  MAX_DELIVERY_RETRIES,
  retryDelaySeconds,
} from "../../domain/delivery-policy";
import { validateWebhookUrl, webhookUrlOptions } from "../../domain/webhook-url";
import type { Env } from "../../env";
import type { LeadDispatchMessage } from "../../queues/lead-dispatch/message";
import { getCompany } from "../../storage/companies";
import type { Db } from "../../storage/db";
import {
  type AttemptRecord,
  findLead,
  type LeadRow,
  recordDeadLettered,
  recordDeliveryAttempt,
  recordInboxFallback,
  sendLeadDispatch,
} from "../../storage/leads";
import { controlDb, shardOfId } from "../../storage/shards";
import type { DeliveryReads } from "./batch-reads";
import type { ReceiverLanes } from "./receiver-lanes";
import { postWebhook, signedWebhookHeaders, type WebhookAttemptResult } from "./webhook";

/** Injectable side effects, so tests control time, randomness and the network. */
export interface DeliveryDeps {
  clock: () => number;
  /** Uniform [0, 1) for retry jitter. */
  random: () => number;
  fetcher: typeof fetch;
  timeoutMs?: number;
  /** Per-receiver concurrency of the batch being delivered; without it requests are not limited. */
  lanes?: ReceiverLanes;
  /** The batch's leads and companies, read once for all its messages; without it each is read alone. */
  reads?: DeliveryReads;
}

export const defaultDeliveryDeps: DeliveryDeps = {
  clock: () => Date.now(),
  random: Math.random,
  fetcher: (input, init) => fetch(input, init),
};

/** What became of one delivery. */
export type DeliveryOutcome =
  /** Finished, whatever the result: the message is done. */
  | {
      kind: "done";
      result: "not_waiting" | "inbox" | "refused" | "delivered" | "endpoint_gone" | "permanent_failure";
    }
  /** The endpoint may answer later: try again after `delaySeconds` (already recorded on the lead). */
  | { kind: "retry"; delaySeconds: number }
  /** No such lead (yet): its creating write may not be visible; nothing was recorded. */
  | { kind: "unknown_lead" };

/**
 * Pushes one lead to its company's webhook and records the attempt. `attempt` is the queue's
 * attempt count of the message (1 for the first delivery): it sizes the retry delay and marks the
 * last attempt before the dead-letter queue.
 */
export async function deliverLead(
  env: Env,
  body: LeadDispatchMessage,
  attempt: number,
  deps: DeliveryDeps = defaultDeliveryDeps,
): Promise<DeliveryOutcome> {
  // The lead and its events live in the client's shard (the id names it); the company in the control database.
  const db = shardOfId(env, body.leadId)?.db;
  const lead = !db ? null : deps.reads ? await deps.reads.lead(body.leadId) : await findLead(db, body.leadId);
  if (!db || !lead) return { kind: "unknown_lead" };
  if (!shouldSend(lead, body)) return { kind: "done", result: "not_waiting" };
  const control = controlDb(env);
  const company = deps.reads
    ? await deps.reads.company(lead.targetCompanyId)
    : await getCompany(control, lead.targetCompanyId);
  const now = deps.clock();
  if (!company) {
    return refuse(db, lead.id, now, "the receiving company no longer exists", attempt, body);
  }
  const because = inboxReason(company);
  // `inboxReason` already names a missing URL; the second test only tells the type checker so.
  if (because !== null || !company.webhookUrl) {
    await recordInboxFallback(db, lead.id, now, because ?? "the company has no webhook URL");
    return { kind: "done", result: "inbox" };
  }
  const urlCheck = validateWebhookUrl(company.webhookUrl, webhookUrlOptions(env));
  if (!urlCheck.ok) {
    return refuse(db, lead.id, now, `webhook URL no longer acceptable: ${urlCheck.reason}`, attempt, body);
  }
  if (!company.webhookSecret) {
    return refuse(db, lead.id, now, "the company has a webhook URL but no signing secret", attempt, body);
  }
  // Signed inside the receiver's lane, so the timestamp is that of the request, not of the wait.
  const secrets = {
    current: company.webhookSecret,
    previous: company.webhookSecretPrevious,
    previousExpiresAt: company.webhookSecretPreviousExpiresAt,
  };
  const webhookUrl = company.webhookUrl;
  const send = async (): Promise<WebhookAttemptResult | { invalidSecret: string }> => {
    let headers: Record<string, string>;
    try {
      headers = signedWebhookHeaders(lead.id, lead.payload, secrets, deps.clock());
    } catch (error) {
      return { invalidSecret: describeError(error) };
    }
    return postWebhook(webhookUrl, lead.payload, headers, {
      fetcher: deps.fetcher,
      clock: deps.clock,
      timeoutMs: deps.timeoutMs,
    });
  };
  const result = deps.lanes ? await deps.lanes.run(company.id, send) : await send();
  if ("invalidSecret" in result) {
    return refuse(db, lead.id, now, `the signing secret is invalid (${result.invalidSecret})`, attempt, body);
  }
  const record: AttemptRecord = {
    leadId: lead.id,
    at: deps.clock(),
    httpStatus: result.status,
    latencyMs: result.latencyMs,
    error: result.error,
    detail: attemptDetail(attempt, body),
  };
  const verdict = classifyDeliveryStatus(result.status);
  switch (verdict) {
    case "delivered":
      await recordDeliveryAttempt(db, record, { kind: "delivered" }, control);
      return { kind: "done", result: "delivered" };
    case "endpoint_gone":
      await recordDeliveryAttempt(
        db,
        record,
        { kind: "endpoint_gone", companyId: company.id, webhookUrl: company.webhookUrl },
        control,
      );
      return { kind: "done", result: "endpoint_gone" };
    case "permanent_failure":
      await recordDeliveryAttempt(db, record, { kind: "failed" }, control);
      return { kind: "done", result: "permanent_failure" };
    case "retry": {
      const delaySeconds = retryDelaySeconds(attempt, result.retryAfterSeconds, deps.random);
      const lastAttempt = isLastDeliveryAttempt(attempt);
      await recordDeliveryAttempt(db, record, { kind: "retry", delaySeconds, lastAttempt }, control);
      // After the last allowed attempt, the consumer hands the message to the dead-letter queue.
      return { kind: "retry", delaySeconds };
    }
  }
}

/**
 * Only a waiting (`queued`) lead is pushed; an admin redelivery also pushes a lead that was
 * `delivered` or `failed` (e.g. when the dead-letter consumer failed it while the redelivery was
 * already on its way). Acknowledged, decided or expired leads are never pushed again.
 */
function shouldSend(lead: LeadRow, body: LeadDispatchMessage): boolean {
  if (lead.status === "queued") return true;
  return body.redelivery === true && (lead.status === "delivered" || lead.status === "failed");
}

/** An attempt refused before anything was sent: the lead fails (redeliverable) and the message is done. */
async function refuse(
  db: Db,
  leadId: string,
  at: number,
  error: string,
  attempt: number,
  body: LeadDispatchMessage,
): Promise<DeliveryOutcome> {
  await recordDeliveryAttempt(
    db,
    { leadId, at, httpStatus: null, latencyMs: null, error, detail: attemptDetail(attempt, body) },
    { kind: "failed" },
    db,
  );
  return { kind: "done", result: "refused" };
}

function attemptDetail(attempt: number, body: LeadDispatchMessage): string {
  return `queue attempt ${attempt}/${MAX_DELIVERY_ATTEMPTS}${body.redelivery ? ", redelivery" : ""}`;
}

/**
 * Puts a lead's dispatch message back on `lead-dispatch` for attempt `nextAttempt`, delivered after
 * `delaySeconds` (the backoff). Same lead, same webhook-id. @throws when the queue refuses it.
 */
export async function scheduleNextAttempt(
  env: Pick<Env, "LEAD_DISPATCH">,
  body: LeadDispatchMessage,
  nextAttempt: number,
  delaySeconds: number,
): Promise<void> {
  await sendLeadDispatch(env.LEAD_DISPATCH, { ...body, attempt: nextAttempt }, delaySeconds);
}

/**
 * Hands a lead whose attempts are spent to `lead-dispatch-dlq`, whose consumer records it failed
 * (`recordDeadLetter`). @throws when the queue refuses it.
 */
export async function sendToDeadLetters(env: Pick<Env, "LEAD_DISPATCH_DLQ">, body: LeadDispatchMessage): Promise<void> {
  await sendLeadDispatch(env.LEAD_DISPATCH_DLQ, body);
}

/**
 * Records a lead whose dispatch message exhausted its retries: it is marked `failed` with its last
 * error and a `dead_lettered` event (a lead that progressed meanwhile keeps its status; the event
 * says so). @throws when D1 fails (the dead-letter consumer retries).
 */
export async function recordDeadLetter(
  env: Env,
  body: LeadDispatchMessage,
  now: number,
): Promise<"recorded" | "unknown_lead"> {
  const db = shardOfId(env, body.leadId)?.db;
  const lead = db ? await findLead(db, body.leadId) : null;
  if (!db || !lead) return "unknown_lead";
  const detail =
    lead.status === "queued"
      ? `the dispatch message exhausted its ${MAX_DELIVERY_RETRIES} retries${body.redelivery ? " (redelivery)" : ""}`
      : `stale dead-lettered message: the lead is already ${lead.status}; nothing changed`;
  await recordDeadLettered(db, lead, now, detail);
  return "recorded";
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
