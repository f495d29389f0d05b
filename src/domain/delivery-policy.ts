/**
 * Webhook delivery policy: how an HTTP answer (or its absence) is classified, and how long to wait
 * before the next attempt. Pure TypeScript: no I/O, runs in Workers and in Node.
 *
 * A lead is attempted at most MAX_DELIVERY_ATTEMPTS times. A failed attempt is not retried through
 * the queue (`retry()` makes Cloudflare lower the consumer's concurrency): the consumer acknowledges
 * the message and sends it again with the next attempt number and `delaySeconds` = the backoff, and
 * after the last attempt hands it to `lead-dispatch-dlq` itself. The `lead-dispatch` consumer's
 * `max_retries` in wrangler.toml (also 8) only bounds the fallback `retry()` used when that re-send
 * fails. Delays respect the Queues limit on a message delay (12 hours).
 */

/** Re-sends a lead gets after its first attempt before it is dead-lettered (also wrangler.toml `max_retries`). */
export const MAX_DELIVERY_RETRIES = 8;

/** Delivery attempts of one lead: the first and its MAX_DELIVERY_RETRIES re-sends. */
export const MAX_DELIVERY_ATTEMPTS = MAX_DELIVERY_RETRIES + 1;

/** Largest `delaySeconds` Cloudflare Queues accepts for a retry (12 h). */
export const MAX_RETRY_DELAY_SECONDS = 43_200;

/** Delay before the first retry; each later retry waits `RETRY_GROWTH` times longer. */
export const BASE_RETRY_DELAY_SECONDS = 10;
export const RETRY_GROWTH = 3;

/**
 * Default: every request to a partner endpoint is abandoned after this long and counted as a
 * timeout. Short on purpose: a batch is done only when its slowest request is, so a hanging endpoint
 * costs the other receivers of later batches this long (receivers are asked to answer at once and
 * process later; a late answer is retried under the same webhook-id, which they deduplicate).
 */
export const DELIVERY_TIMEOUT_MS = 3_000;

/** Default: requests one receiving company gets at the same time from one batch. */
export const DELIVERY_CONCURRENCY_PER_RECEIVER = 2;

/** Accepted ranges of the two settings (wrangler.toml `[vars]`). */
export const DELIVERY_TIMEOUT_RANGE_MS = { min: 100, max: 30_000 } as const;
export const DELIVERY_CONCURRENCY_RANGE = { min: 1, max: 10 } as const;

/** How the `lead-dispatch` consumer paces its requests. */
export interface DeliveryTuning {
  timeoutMs: number;
  perReceiverConcurrency: number;
}

/**
 * Reads `DELIVERY_TIMEOUT_MS` and `DELIVERY_CONCURRENCY_PER_RECEIVER` (strings of wrangler.toml
 * `[vars]`). A missing value takes its default; a value that is not a whole number inside its range
 * also takes the default and is reported in `invalid`, so a typo never stops delivery but is logged.
 */
export function deliveryTuning(vars: { DELIVERY_TIMEOUT_MS?: string; DELIVERY_CONCURRENCY_PER_RECEIVER?: string }): {
  tuning: DeliveryTuning;
  invalid: string[];
} {
  const invalid: string[] = [];
  const read = (name: keyof typeof vars, range: { min: number; max: number }, fallback: number): number => {
    const raw = vars[name];
    if (raw === undefined || raw.trim() === "") return fallback;
    const value = Number(raw);
    if (Number.isInteger(value) && value >= range.min && value <= range.max) return value;
    invalid.push(`${name}="${raw}" is not a whole number from ${range.min} to ${range.max}; using ${fallback}`);
    return fallback;
  };
  return {
    tuning: {
      timeoutMs: read("DELIVERY_TIMEOUT_MS", DELIVERY_TIMEOUT_RANGE_MS, DELIVERY_TIMEOUT_MS),
      perReceiverConcurrency: read(
        "DELIVERY_CONCURRENCY_PER_RECEIVER",
        DELIVERY_CONCURRENCY_RANGE,
        DELIVERY_CONCURRENCY_PER_RECEIVER,
      ),
    },
    invalid,
  };
}

/**
 * What to do after one delivery attempt.
 * - `delivered`: a 2xx answer; the lead is delivered.
 * - `retry`: a transient failure (network error, timeout, 408, 425, 429, 5xx, or a redirect); try again later.
 * - `endpoint_gone`: 410 Gone; the company's webhook is disabled and the lead falls back to the inbox.
 * - `permanent_failure`: any other 4xx; retrying cannot help, the lead is failed (and redeliverable).
 */
/**
 * Why a company's leads wait in its inbox instead of being pushed: it has no webhook URL, or its
 * endpoint is disabled (by an admin, or after answering 410). Null when its leads are pushed.
 */
export function inboxReason(company: {
  webhookUrl: string | null;
  webhookDisabledAt: number | null;
  webhookDisabledReason: string | null;
}): string | null {
  if (!company.webhookUrl) return "the company has no webhook URL";
  if (company.webhookDisabledAt !== null) return `webhook disabled: ${company.webhookDisabledReason ?? "by an admin"}`;
  return null;
}

export type DeliveryVerdict = "delivered" | "retry" | "endpoint_gone" | "permanent_failure";

/**
 * Classifies an HTTP status, or `null` when no answer arrived (network error or timeout).
 *
 * Redirects are not followed (a signed payload must reach the registered URL and nothing else)
 * and count as transient failures: they typically appear while a partner moves its endpoint, and
 * the retries pick up a corrected URL as soon as an admin saves it.
 */
export function classifyDeliveryStatus(status: number | null): DeliveryVerdict {
  if (status === null) return "retry";
  if (status >= 200 && status < 300) return "delivered";
  if (status === 410) return "endpoint_gone";
  if (status === 408 || status === 425 || status === 429) return "retry";
  if (status >= 500) return "retry";
  if (status >= 300 && status < 400) return "retry";
  // 1xx cannot be a final answer to fetch(); any other 4xx means the request itself is refused.
  return status < 200 ? "retry" : "permanent_failure";
}

/**
 * Seconds to wait before retry number `attempt` (1 = the first retry, after the first failed
 * attempt): `base × GROWTH^(attempt-1)` (with the default base: 10 s, 30 s, 90 s, 270 s, 13.5 min,
 * 40.5 min, ~2 h, ~6 h), multiplied by a jitter factor in [0.8, 1.2) so that many leads failing
 * together do not retry in lockstep, then capped at the Queues limit of 12 h. A `Retry-After` the
 * endpoint asked for wins when it is longer (capped too). `random` is injectable so tests are
 * deterministic.
 */
export function retryDelaySeconds(
  attempt: number,
  retryAfterSeconds: number | null = null,
  random: () => number = Math.random,
  baseSeconds: number = BASE_RETRY_DELAY_SECONDS,
): number {
  const step = Math.max(1, Math.floor(attempt));
  const base = baseSeconds * RETRY_GROWTH ** (step - 1);
  const jittered = base * (0.8 + 0.4 * random());
  let delay = Math.round(Math.min(jittered, MAX_RETRY_DELAY_SECONDS));
  if (retryAfterSeconds !== null && retryAfterSeconds > delay) delay = Math.ceil(retryAfterSeconds);
  return Math.max(1, Math.min(delay, MAX_RETRY_DELAY_SECONDS));
}

/**
 * Parses a `Retry-After` header (RFC 9110: delay-seconds or an HTTP-date) into seconds from `now`.
 * Returns null when absent or unparseable; a date in the past gives 0.
 */
export function parseRetryAfter(header: string | null | undefined, now: number): number | null {
  if (header === null || header === undefined) return null;
  const value = header.trim();
  if (value === "") return null;
  if (/^\d+$/.test(value)) return Number.parseInt(value, 10);
  // Only accept something that looks like a date: Date.parse() is lenient with bare numbers.
  if (!/[a-z]/i.test(value)) return null;
  const at = Date.parse(value);
  if (Number.isNaN(at)) return null;
  return Math.max(0, Math.ceil((at - now) / 1000));
}

/**
 * The delivery attempt a message stands for: the attempt number its body carries (1 for a message
 * from the lead call, n + 1 for the re-send after attempt n), plus the times the queue handed the
 * same message over again (`Message.attempts` - 1: a fallback `retry()` or a failed invocation).
 */
export function deliveryAttempt(carriedAttempt: number | undefined, queueAttempts: number): number {
  return Math.max(1, Math.floor(carriedAttempt ?? 1)) + Math.max(0, Math.floor(queueAttempts) - 1);
}

/**
 * Whether delivery attempt `attempt` (1-based, see `deliveryAttempt`) is the last one a lead gets:
 * after it fails, the message goes to the dead-letter queue instead of being sent again.
 */
export function isLastDeliveryAttempt(attempt: number, maxRetries = MAX_DELIVERY_RETRIES): boolean {
  return attempt >= maxRetries + 1;
}
