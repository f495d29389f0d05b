import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { MAX_ALLOWED_ORIGINS } from "../../../../domain/site-events";
import type { AppEnv } from "../../../../env";
import { issueCompanyApiKey } from "../../../../usecases/admin/api-keys";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { ApiKeySchema, apiKeyView, companyIdSchema } from "../schemas";

export const CreateApiKeyBody = z
  .strictObject({
    scope: z
      .enum(["crm", "partner", "viewer", "site"])
      .describe(
        "`crm`: the company's CRM sends clients; `partner`: its lead inbox; `viewer`: read-only admin access " +
          "(every admin GET, no change) for a person of this company, e.g. the bank's sales operations; " +
          "`site`: a publishable key for the website snippet (`/v1/sdk.js`) that may only send `POST /v1/events` " +
          "from its `allowed_origins`",
      ),
    allowed_origins: z
      .array(z.string().max(300))
      .max(MAX_ALLOWED_ORIGINS)
      .optional()
      .describe(
        "`site` keys only (required there): origins `scheme://host[:port]`, https except localhost, no path; " +
          "an event whose `Origin` is not listed is refused",
      ),
    name: z.string().trim().min(1).max(100).optional().describe("A label for the admins, e.g. `amoCRM production`"),
  })
  .meta({ id: "CreateApiKeyRequest" });

export const IssuedApiKeySchema = ApiKeySchema.extend({
  key: z.string().describe("The secret key, shown only in this response; only its SHA-256 is stored"),
}).meta({ id: "IssuedApiKey" });

export class CreateApiKeyRoute extends ApiRoute {
  override schema = {
    operationId: "createApiKey",
    tags: ["Admin: API keys"],
    summary: "Issue an API key for a company",
    request: { params: z.object({ id: companyIdSchema }), body: contentJson(CreateApiKeyBody) },
    responses: {
      "201": { description: "The key; `key` is never shown again", ...contentJson(IssuedApiKeySchema) },
      ...errorResponses(400, 403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "admin");
    const { params, body } = await this.getValidatedData<typeof this.schema>();
    const { apiKey, key } = await issueCompanyApiKey(c.env, principal.keyId, params.id, {
      scope: body.scope,
      name: body.name ?? null,
      allowedOrigins: body.allowed_origins,
    });
    return c.json({ ...apiKeyView(apiKey), key }, 201);
  }
}
