import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { DomainError } from "../../../../domain/errors";
import type { AppEnv } from "../../../../env";
import { listCompanyApiKeys } from "../../../../storage/api-keys";
import { getCompany } from "../../../../storage/companies";
import { getDb } from "../../../../storage/db";
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
    const db = getDb(c.env.DB);
    const company = await getCompany(db, params.id);
    if (!company) throw new DomainError("not_found", `Company ${params.id} not found`);
    const rows = await listCompanyApiKeys(db, company.id);
    return { api_keys: rows.map(apiKeyView) };
  }
}
