import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { DomainError } from "../../../../domain/errors";
import type { AppEnv } from "../../../../env";
import { auditEntryIfChanged, runBatch } from "../../../../storage/audit";
import {
  type CompanyRow,
  getCompany,
  newWebhookSecret,
  nextUpdatedAt,
  updateCompanyQuery,
  WEBHOOK_SECRET_OVERLAP_MS,
} from "../../../../storage/companies";
import { getDb } from "../../../../storage/db";
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
    const db = getDb(c.env.DB);
    const current = await getCompany(db, params.id);
    if (!current) throw new DomainError("not_found", `Company ${params.id} not found`);
    if (current.webhookSecret === null) {
      throw new DomainError("conflict", `Company ${current.id} has no webhook; set webhook_url first`);
    }

    const now = Date.now();
    const secret = newWebhookSecret();
    const changes = {
      webhookSecret: secret,
      webhookSecretPrevious: current.webhookSecret,
      webhookSecretPreviousExpiresAt: now + WEBHOOK_SECRET_OVERLAP_MS,
      updatedAt: nextUpdatedAt(current.updatedAt, now),
    };
    const updated: CompanyRow = { ...current, ...changes };
    const [rows] = (await runBatch(db, [
      updateCompanyQuery(db, current.id, current.updatedAt, changes),
      auditEntryIfChanged(db, {
        actor: principal.keyId,
        action: "company.webhook_secret_rotated",
        entityType: "company",
        entityId: current.id,
        before: companyView(current, now),
        after: companyView(updated, now),
        at: now,
      }),
    ])) as [CompanyRow[], unknown];
    if (rows.length === 0) {
      throw new DomainError("conflict", `Company ${current.id} was changed concurrently; read it again and retry`);
    }
    return { ...companyView(rows[0], now), webhook_secret: secret };
  }
}
