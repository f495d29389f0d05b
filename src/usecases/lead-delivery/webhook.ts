/**
 * Outbound webhooks signed with the Standard Webhooks scheme (https://www.standardwebhooks.com):
 * `webhook-id`, `webhook-timestamp` (Unix seconds) and `webhook-signature` (`v1,<base64 HMAC-SHA-256
 * of "id.timestamp.body">`), produced by the maintained `standardwebhooks` library.
 *
 * For receivers:
 * - `webhook-id` is the lead id. It stays the same across retries AND admin redeliveries, so a
 *   receiver that stores the ids it has processed gets each lead exactly once.
 * - After a secret rotation the previous secret stays valid for 24 h; during that window the
 *   signature header carries both signatures (`v1,<new> v1,<old>`), so a receiver still configured
 *   with either secret verifies the request.
 */
import { Webhook } from "standardwebhooks";
import { DELIVERY_TIMEOUT_MS, parseRetryAfter } from "../../domain/delivery-policy";

export const WEBHOOK_USER_AGENT = "CactuBase-Webhooks/1.0";

/** The company's signing secrets as stored (`whsec_…`). */
export interface SigningSecrets {
  current: string;
  /** The secret replaced by the last rotation, sent along until it expires. */
  previous?: string | null;
  /** Epoch ms after which `previous` is no longer used. */
  previousExpiresAt?: number | null;
}

/**
 * The headers of a signed webhook request. Throws if a secret is not a valid Standard Webhooks
 * secret (base64, optionally prefixed `whsec_`).
 */
export function signedWebhookHeaders(
  messageId: string,
  payload: string,
  secrets: SigningSecrets,
  now: number,
): Record<string, string> {
  const timestamp = new Date(now);
  const signatures = [new Webhook(secrets.current).sign(messageId, timestamp, payload)];
  if (secrets.previous && secrets.previousExpiresAt != null && secrets.previousExpiresAt > now) {
    signatures.push(new Webhook(secrets.previous).sign(messageId, timestamp, payload));
  }
  return {
    "content-type": "application/json",
    "user-agent": WEBHOOK_USER_AGENT,
    "webhook-id": messageId,
    "webhook-timestamp": String(Math.floor(now / 1000)),
    "webhook-signature": signatures.join(" "),
  };
}

/** What one POST to a partner endpoint produced. */
export interface WebhookAttemptResult {
  /** HTTP status, or null when no answer arrived (network error, timeout). */
  status: number | null;
  latencyMs: number;
  /** Short description of the failure; null on 2xx. */
  error: string | null;
  /** The endpoint's `Retry-After`, in seconds, if it sent one. */
  retryAfterSeconds: number | null;
}

export interface PostWebhookOptions {
  timeoutMs?: number;
  /** Injectable for tests; defaults to the global fetch. */
  fetcher?: typeof fetch;
  /** Clock for latency and `Retry-After` dates. */
  clock?: () => number;
}

/**
 * POSTs a signed payload. Redirects are not followed (`redirect: "manual"`: a 3xx is returned as
 * the answer), the request is aborted after the timeout, and the response body is discarded.
 * Never throws: failures come back in the result.
 */
export async function postWebhook(
  url: string,
  payload: string,
  headers: Record<string, string>,
  options: PostWebhookOptions = {},
): Promise<WebhookAttemptResult> {
  const timeoutMs = options.timeoutMs ?? DELIVERY_TIMEOUT_MS;
  const fetcher = options.fetcher ?? fetch;
  const clock = options.clock ?? Date.now;
  const started = clock();
  let response: Response;
  try {
    response = await fetcher(url, {
      method: "POST",
      headers,
      body: payload,
      redirect: "manual",
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (error) {
    const latencyMs = Math.max(0, clock() - started);
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    return {
      status: null,
      latencyMs,
      error: timedOut ? `timeout: no answer within ${timeoutMs} ms` : `network error: ${errorMessage(error)}`,
      retryAfterSeconds: null,
    };
  }
  const latencyMs = Math.max(0, clock() - started);
  // Free the connection; the body is the partner's business, not ours.
  await response.body?.cancel().catch(() => undefined);
  const status = response.status;
  if (status >= 200 && status < 300) return { status, latencyMs, error: null, retryAfterSeconds: null };
  let error = `HTTP ${status}${response.statusText ? ` ${response.statusText}` : ""}`;
  if (status >= 300 && status < 400) {
    const location = response.headers.get("location");
    error += location
      ? ` redirect to ${location.slice(0, 200)} (redirects are not followed)`
      : " redirect (not followed)";
  }
  return {
    status,
    latencyMs,
    error,
    retryAfterSeconds: parseRetryAfter(response.headers.get("retry-after"), clock()),
  };
}

function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.slice(0, 200) || "unknown";
}
