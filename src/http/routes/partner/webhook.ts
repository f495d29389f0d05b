/**
 * The partner's own webhook settings: see them, change the URL (audited under the partner key,
 * like an admin's change), and send a test event.
 */
import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../env";
import { getCompany, updateCompany } from "../../../usecases/admin/companies";
import { sendWebhookTestEvent } from "../../../usecases/lead-delivery/test-event";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireCompanyScope } from "../../middleware/auth";
import { WEBHOOK_TEST_DESCRIPTION } from "../admin/companies/test-webhook";
import { CompanySchema, companyView, WebhookTestResultSchema, webhookTestResultView } from "../admin/schemas";

const PartnerWebhookSchema = CompanySchema.pick({
  webhook_url: true,
  has_webhook_secret: true,
  webhook_previous_secret_expires_at: true,
  webhook_disabled_at: true,
  webhook_disabled_reason: true,
})
  .extend({
    webhook_secret: z
      .string()
      .optional()
      .describe("The signing secret (`whsec_…`), present only in the answer that created it (first URL)"),
  })
  .meta({ id: "PartnerWebhook" });

function partnerWebhookView(view: z.infer<typeof CompanySchema>) {
  return {
    webhook_url: view.webhook_url,
    has_webhook_secret: view.has_webhook_secret,
    webhook_previous_secret_expires_at: view.webhook_previous_secret_expires_at,
    webhook_disabled_at: view.webhook_disabled_at,
    webhook_disabled_reason: view.webhook_disabled_reason,
  };
}

export class GetPartnerWebhookRoute extends ApiRoute {
  override schema = {
    operationId: "getPartnerWebhook",
    tags: ["Partner inbox"],
    summary: "The company's webhook settings",
    responses: {
      "200": { description: "The settings (never the secret)", ...contentJson(PartnerWebhookSchema) },
      ...errorResponses(403),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const { companyId } = requireCompanyScope(c, "partner");
    return partnerWebhookView(companyView(await getCompany(c.env, companyId)));
  }
}

export class UpdatePartnerWebhookRoute extends ApiRoute {
  override schema = {
    operationId: "updatePartnerWebhook",
    tags: ["Partner inbox"],
    summary: "Change the company's webhook URL",
    description:
      "A new URL re-enables a disabled endpoint; the first URL also creates the signing secret, returned once in " +
      "`webhook_secret`. `null` removes the webhook (leads then wait in the inbox). The URL must be public https " +
      "(same rules as for admins). Audited under the partner key.",
    request: {
      body: contentJson(
        z
          .strictObject({ webhook_url: z.string().trim().min(1).max(2048).nullable() })
          .meta({ id: "UpdatePartnerWebhookRequest" }),
      ),
    },
    responses: {
      "200": { description: "The settings after the change", ...contentJson(PartnerWebhookSchema) },
      ...errorResponses(400, 403, 409),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const { companyId, keyId } = requireCompanyScope(c, "partner");
    const { body } = await this.getValidatedData<typeof this.schema>();
    const { company, webhookSecret } = await updateCompany(c.env, keyId, companyId, { webhookUrl: body.webhook_url });
    const view = partnerWebhookView(companyView(company));
    return webhookSecret ? { ...view, webhook_secret: webhookSecret } : view;
  }
}

export class TestPartnerWebhookRoute extends ApiRoute {
  override schema = {
    operationId: "testPartnerWebhook",
    tags: ["Partner inbox"],
    summary: "Send a test event to the company's webhook",
    description: WEBHOOK_TEST_DESCRIPTION,
    responses: {
      "200": { description: "What the endpoint answered (delivered or not)", ...contentJson(WebhookTestResultSchema) },
      ...errorResponses(403, 409),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const { companyId } = requireCompanyScope(c, "partner");
    return webhookTestResultView(await sendWebhookTestEvent(c.env, companyId));
  }
}
