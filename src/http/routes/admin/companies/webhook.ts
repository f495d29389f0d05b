import { DomainError } from "../../../../domain/errors";
import { validateWebhookUrl, webhookUrlOptions } from "../../../../domain/webhook-url";
import type { Env } from "../../../../env";

/**
 * The normalized webhook URL, or a 400 `validation_failed` at ["body", "webhook_url"] naming why
 * the URL is refused under this environment's policy.
 */
export function acceptedWebhookUrl(env: Env, url: string): string {
  const check = validateWebhookUrl(url, webhookUrlOptions(env));
  if (!check.ok) throw new DomainError("validation_failed", check.reason, ["body", "webhook_url"]);
  return check.url;
}
