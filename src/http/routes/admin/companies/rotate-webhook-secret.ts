import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../../env";
import { rotateWebhookSecret } from "../../../../usecases/admin/companies";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { CompanyWithSecretSchema, companyIdSchema, companyView } from "../schemas";

export class RotateWebhookSecretRoute extends ApiRoute {
  override schema = {
    operationId: "rotateWebhookSecret",
    tags: ["Admin: companies"],
    summary: "Rotate a company's webhook signing secret",
    description:
      "Generates a new secret, returned once in `webhook_secret`. The replaced secret keeps signing " +
      "deliveries (as a second signature) for 24 hours so the receiver can switch without losing a lead; " +
      "a second rotation within those hours ends the overlap of the oldest secret at once.",
    request: { params: z.object({ id: companyIdSchema }) },
    responses: {
      "200": { description: "The company and its new secret", ...contentJson(CompanyWithSecretSchema) },
      ...errorResponses(403, 404, 409),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "admin");
    const { params } = await this.getValidatedData<typeof this.schema>();
    const now = Date.now();
    const { company, webhookSecret } = await rotateWebhookSecret(c.env, principal.keyId, params.id, now);
    return { ...companyView(company, now), webhook_secret: webhookSecret };
  }
}
