import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../../env";
import { listCompanyApiKeys } from "../../../../usecases/admin/api-keys";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { ApiKeySchema, apiKeyView, companyIdSchema } from "../schemas";

export class ListApiKeysRoute extends ApiRoute {
  override schema = {
    operationId: "listApiKeys",
    tags: ["Admin: API keys"],
    summary: "List a company's API keys (revoked ones included, no secrets)",
    request: { params: z.object({ id: companyIdSchema }) },
    responses: {
      "200": { description: "The keys, oldest first", ...contentJson(z.object({ api_keys: z.array(ApiKeySchema) })) },
      ...errorResponses(400, 403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { params } = await this.getValidatedData<typeof this.schema>();
    const apiKeys = await listCompanyApiKeys(c.env, params.id);
    return { api_keys: apiKeys.map(apiKeyView) };
  }
}
