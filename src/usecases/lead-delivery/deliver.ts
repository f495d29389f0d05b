/**
 * Consumers of `lead-dispatch` (push each lead to its company's webhook) and `lead-dispatch-dlq`
 * (record leads whose retries ran out). Queues deliver at least once, so every step is idempotent:
 * a message for a lead that is no longer waiting is acknowledged without sending, and a repeated
 * send carries the same `webhook-id` for receivers to deduplicate.
 *
 * Nothing is acknowledged unless its outcome is written to D1 first; any unexpected failure
 * (D1 unavailable, a bug) retries the message with backoff instead.
 */
import { eq } from "drizzle-orm";
import {
  classifyDeliveryStatus,
  isLastDeliveryAttempt,
  MAX_DELIVERY_RETRIES,
  retryDelaySeconds,
} from "../../domain/delivery-policy";
import { validateWebhookUrl, webhookUrlOptions } from "../../domain/webhook-url";
import type { Env } from "../../env";
import { type Db, getDb } from "../../storage/db";
import {
  type AttemptRecord,
  findLead,
  type LeadRow,
  recordDeadLettered,
  recordDeliveryAttempt,
  recordInboxFallback,
} from "../../storage/leads";
import type { LeadDispatchMessage } from "../../storage/queue-messages";
import { companies } from "../../storage/schema";
import { postWebhook, signedWebhookHeaders } from "./webhook";

/** Queue names as declared in wrangler.toml. */
export const LEAD_DISPATCH_QUEUE = "lead-dispatch";
export const LEAD_DISPATCH_DLQ = "lead-dispatch-dlq";

/** First retry delay of the dead-letter consumer when D1 is unavailable (then ×3, capped at 12 h). */
export const DEAD_LETTER_RETRY_BASE_SECONDS = 60;

/** Injectable side effects, so tests control time, randomness and the network. */
export interface DeliveryDeps {
  clock: () => number;
  /** Uniform [0, 1) for retry jitter. */
  random: () => number;
  fetcher: typeof fetch;
  timeoutMs?: number;
}

export const defaultDeliveryDeps: DeliveryDeps = {
  clock: () => Date.now(),
  random: Math.random,
  fetcher: (input, init) => fetch(input, init),
};

/** Reads a message body; null if it is not a message this consumer understands. */
export function parseDispatchMessage(body: unknown): LeadDispatchMessage | null {
  if (typeof body !== "object" || body === null) return null;
  const message = body as Record<string, unknown>;
  if (message.v !== 1 || message.type !== "deliver_lead" || typeof message.leadId !== "string") return null;
  if (message.leadId === "" || message.leadId.length > 64) return null;
  return {
    v: 1,
    type: "deliver_lead",
    leadId: message.leadId,
    ...(message.redelivery === true ? { redelivery: true } : {}),
  };
}

/** Handles a `lead-dispatch` batch: messages are independent and processed concurrently. */
export async function deliverBatch(
  batch: MessageBatch<unknown>,
  env: Env,
  deps: DeliveryDeps = defaultDeliveryDeps,
): Promise<void> {
  await Promise.all(batch.messages.map((message) => deliverMessage(message, env, deps)));
}

async function deliverMessage(message: Message<unknown>, env: Env, deps: DeliveryDeps): Promise<void> {
  const body = parseDispatchMessage(message.body);
  if (!body) {
    // Possibly from a newer producer: keep it (retries, then the DLQ) rather than guess.
    console.error("lead-dispatch: unreadable message", message.id, safeJson(message.body));
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts, null, deps.random) });
    return;
  }
  try {
    await deliverLead(message, body, env, deps);
  } catch (error) {
    console.error("lead-dispatch: delivery bookkeeping failed; retrying", body.leadId, describeError(error));
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts, null, deps.random) });
  }
}

async function deliverLead(message: Message<unknown>, body: LeadDispatchMessage, env: Env, deps: DeliveryDeps) {
  const db = getDb(env.DB);
  const lead = await findLead(db, body.leadId);
  if (!lead) {
    console.error("lead-dispatch: unknown lead", body.leadId);
    message.retry({ delaySeconds: retryDelaySeconds(message.attempts, null, deps.random) });
    return;
  }
  if (!shouldSend(lead, body)) {
    message.ack();
    return;
  }
  const company = await loadReceiver(db, lead.targetCompanyId);
  const now = deps.clock();
  if (!company) {
    await fail(db, lead.id, now, "the receiving company no longer exists", message, body);
    return;
  }
  if (!company.webhookUrl || company.webhookDisabledAt !== null) {
    const because = company.webhookUrl
      ? `webhook disabled: ${company.webhookDisabledReason ?? "by an admin"}`
      : "the company has no webhook URL";
    await recordInboxFallback(db, lead.id, now, because);
    message.ack();
    return;
  }
  const urlCheck = validateWebhookUrl(company.webhookUrl, webhookUrlOptions(env));
  if (!urlCheck.ok) {
    await fail(db, lead.id, now, `webhook URL no longer acceptable: ${urlCheck.reason}`, message, body);
    return;
  }
  if (!company.webhookSecret) {
    await fail(db, lead.id, now, "the company has a webhook URL but no signing secret", message, body);
    return;
  }
  let headers: Record<string, string>;
  try {
    headers = signedWebhookHeaders(
      lead.id,
      lead.payload,
      {
        current: company.webhookSecret,
        previous: company.webhookSecretPrevious,
        previousExpiresAt: company.webhookSecretPreviousExpiresAt,
      },
      now,
    );
  } catch (error) {
    await fail(db, lead.id, now, `the signing secret is invalid (${describeError(error)})`, message, body);
    return;
  }

  const result = await postWebhook(company.webhookUrl, lead.payload, headers, {
    fetcher: deps.fetcher,
    clock: deps.clock,
    timeoutMs: deps.timeoutMs,
  });
  const attempt: AttemptRecord = {
    leadId: lead.id,
    at: deps.clock(),
    httpStatus: result.status,
    latencyMs: result.latencyMs,
    error: result.error,
    detail: attemptDetail(message, body),
  };
  const verdict = classifyDeliveryStatus(result.status);
  switch (verdict) {
    case "delivered":
      await recordDeliveryAttempt(db, attempt, { kind: "delivered" });
      message.ack();
      return;
    case "endpoint_gone":
      await recordDeliveryAttempt(db, attempt, {
        kind: "endpoint_gone",
        companyId: company.id,
        webhookUrl: company.webhookUrl,
      });
      message.ack();
      return;
    case "permanent_failure":
      await recordDeliveryAttempt(db, attempt, { kind: "failed" });
      message.ack();
      return;
    case "retry": {
      const delaySeconds = retryDelaySeconds(message.attempts, result.retryAfterSeconds, deps.random);
      const lastAttempt = isLastDeliveryAttempt(message.attempts);
      await recordDeliveryAttempt(db, attempt, { kind: "retry", delaySeconds, lastAttempt });
      // After the last allowed attempt, retry() hands the message to the dead-letter queue.
      message.retry({ delaySeconds });
      return;
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

async function loadReceiver(db: Db, companyId: string) {
  const rows = await db.select().from(companies).where(eq(companies.id, companyId)).limit(1);
  return rows[0] ?? null;
}

/** An attempt refused before anything was sent: the lead fails (redeliverable) and the message is done. */
async function fail(
  db: Db,
  leadId: string,
  at: number,
  error: string,
  message: Message<unknown>,
  body: LeadDispatchMessage,
) {
  await recordDeliveryAttempt(
    db,
    { leadId, at, httpStatus: null, latencyMs: null, error, detail: attemptDetail(message, body) },
    { kind: "failed" },
  );
  message.ack();
}

function attemptDetail(message: Message<unknown>, body: LeadDispatchMessage): string {
  return `queue attempt ${message.attempts}/${MAX_DELIVERY_RETRIES + 1}${body.redelivery ? ", redelivery" : ""}`;
}

/**
 * Handles a `lead-dispatch-dlq` batch: each lead whose dispatch message exhausted its retries is
 * marked `failed` with its last error and a `dead_lettered` event. If D1 is unavailable the
 * message is retried with growing delays, so it is recorded once D1 is back.
 */
export async function recordDeadLetterBatch(
  batch: MessageBatch<unknown>,
  env: Env,
  deps: Pick<DeliveryDeps, "clock" | "random"> = defaultDeliveryDeps,
): Promise<void> {
  const db = getDb(env.DB);
  for (const message of batch.messages) {
    const body = parseDispatchMessage(message.body);
    if (!body) {
      // Nothing to attach it to: leave a trace for operators and let it go.
      console.error("lead-dispatch-dlq: unreadable message dropped", message.id, safeJson(message.body));
      message.ack();
      continue;
    }
    try {
      const lead = await findLead(db, body.leadId);
      if (!lead) {
        console.error("lead-dispatch-dlq: message for an unknown lead dropped", body.leadId);
        message.ack();
        continue;
      }
      const detail =
        lead.status === "queued"
          ? `the dispatch message exhausted its ${MAX_DELIVERY_RETRIES} retries${body.redelivery ? " (redelivery)" : ""}`
          : `stale dead-lettered message: the lead is already ${lead.status}; nothing changed`;
      await recordDeadLettered(db, lead, deps.clock(), detail);
      message.ack();
    } catch (error) {
      console.error("lead-dispatch-dlq: recording failed; retrying", body.leadId, describeError(error));
      message.retry({
        delaySeconds: retryDelaySeconds(message.attempts, null, deps.random, DEAD_LETTER_RETRY_BASE_SECONDS),
      });
    }
  }
}

function describeError(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value).slice(0, 500);
  } catch {
    return String(value).slice(0, 500);
  }
}
