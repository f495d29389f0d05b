import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { DomainError } from "../../../../domain/errors";
import type { AppEnv } from "../../../../env";
import { insertApiKeyQuery, newApiKey } from "../../../../storage/api-keys";
import { auditEntry, runBatch } from "../../../../storage/audit";
import { getCompany } from "../../../../storage/companies";
import { getDb } from "../../../../storage/db";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { ApiKeySchema, apiKeyView, companyIdSchema } from "../schemas";

export const CreateApiKeyBody = z
  .strictObject({
    scope: z.enum(["crm", "partner"]).describe("`crm`: the company's CRM sends clients; `partner`: its lead inbox"),
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
    const db = getDb(c.env.DB);
    const company = await getCompany(db, params.id);
    if (!company) throw new DomainError("not_found", `Company ${params.id} not found`);

    const now = Date.now();
    const { row, issued } = await newApiKey({ scope: body.scope, companyId: company.id, name: body.name ?? null }, now);
    const { hash: _hash, ...info } = row;
    const view = apiKeyView({ ...info, lastUsedAt: null, revokedAt: null });
    await runBatch(db, [
      insertApiKeyQuery(db, row),
      auditEntry(db, {
        actor: principal.keyId,
        action: "api_key.created",
        entityType: "api_key",
        entityId: row.id,
        before: null,
        after: view,
        at: now,
      }),
    ]);
    return c.json({ ...view, key: issued.key }, 201);
  }
}
