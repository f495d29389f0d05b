/**
 * Webhook delivery policy: how an HTTP answer (or its absence) is classified, and how long to wait
 * before the next attempt. Pure TypeScript: no I/O, runs in Workers and in Node.
 *
 * The numbers mirror the `lead-dispatch` consumer in wrangler.toml (max_retries = 8, so a message is
 * attempted at most 9 times before Cloudflare Queues moves it to `lead-dispatch-dlq`) and the Queues
 * limit on a retry delay (12 hours).
 */

/** Retries the `lead-dispatch` consumer allows before dead-lettering (wrangler.toml `max_retries`). */
export const MAX_DELIVERY_RETRIES = 8;

/** Largest `delaySeconds` Cloudflare Queues accepts for a retry (12 h). */
export const MAX_RETRY_DELAY_SECONDS = 43_200;

/** Delay before the first retry; each later retry waits `RETRY_GROWTH` times longer. */
export const BASE_RETRY_DELAY_SECONDS = 10;
export const RETRY_GROWTH = 3;

/** Every request to a partner endpoint is abandoned after this long and counted as a timeout. */
export const DELIVERY_TIMEOUT_MS = 10_000;

/**
 * What to do after one delivery attempt.
 * - `delivered`: a 2xx answer; the lead is delivered.
 * - `retry`: a transient failure (network error, timeout, 408, 425, 429, 5xx, or a redirect); try again later.
 * - `endpoint_gone`: 410 Gone; the company's webhook is disabled and the lead falls back to the inbox.
 * - `permanent_failure`: any other 4xx; retrying cannot help, the lead is failed (and redeliverable).
 */
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
 * Whether the queue's attempt number `attempts` (1-based, as `Message.attempts`) is the last one the
 * consumer gets: retrying after it sends the message to the dead-letter queue.
 */
export function isLastDeliveryAttempt(attempts: number, maxRetries = MAX_DELIVERY_RETRIES): boolean {
  return attempts >= maxRetries + 1;
}
