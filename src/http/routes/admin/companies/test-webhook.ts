import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../../env";
import { sendWebhookTestEvent } from "../../../../usecases/lead-delivery/test-event";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { companyIdSchema, WebhookTestResultSchema, webhookTestResultView } from "../schemas";

export const WEBHOOK_TEST_DESCRIPTION =
  "POSTs one event of type `test` (no lead) to the webhook, signed and sent exactly like a lead delivery " +
  "(Standard Webhooks headers, `webhook-id` = `test_…`, redirects not followed, the delivery timeout), and " +
  "answers what the endpoint did. Nothing is recorded and no lead changes; a disabled endpoint can be tested. " +
  "A company without a webhook URL or signing secret is 409.";

export class TestCompanyWebhookRoute extends ApiRoute {
  override schema = {
    operationId: "testCompanyWebhook",
    tags: ["Admin: companies"],
    summary: "Send a test event to a company's webhook",
    description: WEBHOOK_TEST_DESCRIPTION,
    request: { params: z.object({ id: companyIdSchema }) },
    responses: {
      "200": { description: "What the endpoint answered (delivered or not)", ...contentJson(WebhookTestResultSchema) },
      ...errorResponses(403, 404, 409),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { params } = await this.getValidatedData<typeof this.schema>();
    return webhookTestResultView(await sendWebhookTestEvent(c.env, params.id));
  }
}
