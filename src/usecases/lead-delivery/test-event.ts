/**
 * "Send test event": one signed POST to a company's webhook, exactly as a lead delivery is signed
 * and sent (Standard Webhooks headers, no redirects, the delivery timeout), with a small payload of
 * type `test` instead of a lead. Nothing is recorded and no lead changes: it tells the admin or the
 * partner whether the endpoint answers and verifies, before real leads depend on it. A disabled
 * endpoint can be tested too (that is how one checks it is back).
 */
import { DomainError } from "../../domain/errors";
import { validateWebhookUrl, webhookUrlOptions } from "../../domain/webhook-url";
import type { Env } from "../../env";
import { randomToken } from "../../lib/ids";
import { getCompany } from "../../storage/companies";
import { controlDb } from "../../storage/shards";
import { type PostWebhookOptions, postWebhook, signedWebhookHeaders } from "./webhook";

export interface WebhookTestResult {
  /** `webhook-id` of the test request (`test_…`), so the receiver can find it in its logs. */
  eventId: string;
  url: string;
  delivered: boolean;
  /** HTTP status, or null when no answer arrived. */
  status: number | null;
  latencyMs: number;
  error: string | null;
}

/**
 * Sends the test event to the company's webhook.
 * @throws DomainError `not_found` for an unknown company; `conflict` when it has no webhook URL, no
 * signing secret, or a URL the current policy no longer accepts.
 */
export async function sendWebhookTestEvent(
  env: Env,
  companyId: string,
  options: Pick<PostWebhookOptions, "fetcher" | "clock"> = {},
): Promise<WebhookTestResult> {
  const company = await getCompany(controlDb(env), companyId);
  if (!company) throw new DomainError("not_found", `Company ${companyId} not found`);
  if (!company.webhookUrl) {
    throw new DomainError("conflict", `Company ${company.id} has no webhook; set webhook_url first`);
  }
  const urlCheck = validateWebhookUrl(company.webhookUrl, webhookUrlOptions(env));
  if (!urlCheck.ok) throw new DomainError("conflict", `The webhook URL is no longer acceptable: ${urlCheck.reason}`);
  if (!company.webhookSecret) {
    throw new DomainError("conflict", `Company ${company.id} has a webhook URL but no signing secret; rotate it`);
  }
  const now = (options.clock ?? Date.now)();
  const eventId = `test_${randomToken(20)}`;
  const payload = JSON.stringify({
    type: "test",
    event_id: eventId,
    company_id: company.id,
    sent_at: new Date(now).toISOString(),
    note: "A test event from CactuBase: no lead is attached. Verify the signature as for a lead.",
  });
  const headers = signedWebhookHeaders(
    eventId,
    payload,
    {
      current: company.webhookSecret,
      previous: company.webhookSecretPrevious,
      previousExpiresAt: company.webhookSecretPreviousExpiresAt,
    },
    now,
  );
  const result = await postWebhook(company.webhookUrl, payload, headers, options);
  return {
    eventId,
    url: company.webhookUrl,
    delivered: result.error === null,
    status: result.status,
    latencyMs: result.latencyMs,
    error: result.error,
  };
}
