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
} from "../../../../storage/companies";
import { getDb } from "../../../../storage/db";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { CompanyWithSecretSchema, companyIdSchema, companyView } from "../schemas";
import { acceptedWebhookUrl } from "./webhook";

/** Body of PATCH /v1/admin/companies/{id}: only the fields sent change. */
export const UpdateCompanyBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    status: z.enum(["active", "paused"]).optional().describe("`paused` stops leads at once; `active` resumes"),
    daily_lead_cap: z.int().min(1).max(10_000_000).nullable().optional().describe("null removes the cap"),
    commission_rate: z.number().min(0).max(1).optional(),
    webhook_url: z
      .string()
      .nullable()
      .optional()
      .describe(
        "A URL re-enables a disabled endpoint and, if the company had no secret, generates one (returned once); " +
          "null removes the webhook and its secrets",
      ),
  })
  .refine((body) => Object.keys(body).length > 0, { error: "Send at least one field to change" })
  .meta({ id: "UpdateCompanyRequest" });

export class UpdateCompanyRoute extends ApiRoute {
  override schema = {
    operationId: "updateCompany",
    tags: ["Admin: companies"],
    summary: "Update a company: pause / resume, cap, commission, webhook URL",
    request: { params: z.object({ id: companyIdSchema }), body: contentJson(UpdateCompanyBody) },
    responses: {
      "200": {
        description: "The updated company; `webhook_secret` only when this change generated one",
        ...contentJson(CompanyWithSecretSchema),
      },
      ...errorResponses(400, 403, 404, 409),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "admin");
    const { params, body } = await this.getValidatedData<typeof this.schema>();
    const db = getDb(c.env.DB);
    const current = await getCompany(db, params.id);
    if (!current) throw new DomainError("not_found", `Company ${params.id} not found`);

    const now = Date.now();
    const changes: Partial<CompanyRow> & { updatedAt: number } = { updatedAt: nextUpdatedAt(current.updatedAt, now) };
    if (body.name !== undefined) changes.name = body.name;
    if (body.status !== undefined) changes.status = body.status;
    if (body.daily_lead_cap !== undefined) changes.dailyLeadCap = body.daily_lead_cap;
    if (body.commission_rate !== undefined) changes.commissionRate = body.commission_rate;
    let generatedSecret: string | null = null;
    if (body.webhook_url === null) {
      Object.assign(changes, {
        webhookUrl: null,
        webhookSecret: null,
        webhookSecretPrevious: null,
        webhookSecretPreviousExpiresAt: null,
        webhookDisabledAt: null,
        webhookDisabledReason: null,
      });
    } else if (body.webhook_url !== undefined) {
      changes.webhookUrl = acceptedWebhookUrl(c.env, body.webhook_url);
      changes.webhookDisabledAt = null;
      changes.webhookDisabledReason = null;
      if (current.webhookSecret === null) changes.webhookSecret = generatedSecret = newWebhookSecret();
    }

    const updated: CompanyRow = { ...current, ...changes };
    const [rows] = (await runBatch(db, [
      updateCompanyQuery(db, current.id, current.updatedAt, changes),
      auditEntryIfChanged(db, {
        actor: principal.keyId,
        action: "company.updated",
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
    const view = companyView(rows[0], now);
    return generatedSecret ? { ...view, webhook_secret: generatedSecret } : view;
  }
}
