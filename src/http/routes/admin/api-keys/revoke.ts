import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { DomainError } from "../../../../domain/errors";
import type { AppEnv } from "../../../../env";
import { type ApiKeyInfo, getApiKeyInfo, revokeApiKeyQuery } from "../../../../storage/api-keys";
import { auditEntryIfChanged, runBatch } from "../../../../storage/audit";
import { getDb } from "../../../../storage/db";
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
    const db = getDb(c.env.DB);
    const current = await getApiKeyInfo(db, params.id);
    if (!current) throw new DomainError("not_found", `API key ${params.id} not found`);
    if (current.revokedAt !== null) return apiKeyView(current);

    const now = Date.now();
    const [rows] = (await runBatch(db, [
      revokeApiKeyQuery(db, current.id, now),
      auditEntryIfChanged(db, {
        actor: principal.keyId,
        action: "api_key.revoked",
        entityType: "api_key",
        entityId: current.id,
        before: apiKeyView(current),
        after: apiKeyView({ ...current, revokedAt: now }),
        at: now,
      }),
    ])) as [ApiKeyInfo[], unknown];
    // An empty result means a concurrent call revoked it first: answer with that revocation.
    if (rows.length === 0) {
      const latest = await getApiKeyInfo(db, current.id);
      if (!latest) throw new DomainError("not_found", `API key ${params.id} not found`);
      return apiKeyView(latest);
    }
    return apiKeyView(rows[0]);
  }
}
