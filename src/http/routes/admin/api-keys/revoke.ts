import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../../env";
import { revokeApiKey } from "../../../../usecases/admin/api-keys";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { ApiKeySchema, apiKeyView } from "../schemas";

export class RevokeApiKeyRoute extends ApiRoute {
  override schema = {
    operationId: "revokeApiKey",
    tags: ["Admin: API keys"],
    summary: "Revoke an API key",
    description:
      "The key stops working with the very next request. Idempotent: revoking a revoked key answers 200 " +
      "with the original revocation time.",
    request: { params: z.object({ id: z.string().min(1).max(64).describe("Key id (`key_…`)") }) },
    responses: {
      "200": { description: "The revoked key", ...contentJson(ApiKeySchema) },
      ...errorResponses(400, 403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "admin");
    const { params } = await this.getValidatedData<typeof this.schema>();
    return apiKeyView(await revokeApiKey(c.env, principal.keyId, params.id));
  }
}
