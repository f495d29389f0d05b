import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../../env";
import { updateCompany } from "../../../../usecases/admin/companies";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { CompanyWithSecretSchema, companyIdSchema, companyView } from "../schemas";

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
    const now = Date.now();
    const { company, webhookSecret } = await updateCompany(
      c.env,
      principal.keyId,
      params.id,
      {
        name: body.name,
        status: body.status,
        dailyLeadCap: body.daily_lead_cap,
        commissionRate: body.commission_rate,
        webhookUrl: body.webhook_url,
      },
      now,
    );
    const view = companyView(company, now);
    return webhookSecret ? { ...view, webhook_secret: webhookSecret } : view;
  }
}
