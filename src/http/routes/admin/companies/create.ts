import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../../env";
import { createCompany } from "../../../../usecases/admin/companies";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { CompanyWithSecretSchema, companyView } from "../schemas";

/** Body of POST /v1/admin/companies. */
export const CreateCompanyBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    kind: z.enum(["bank", "partner"]).describe("`bank` (Expobank) or `partner`"),
    status: z.enum(["active", "paused"]).default("active").describe("`paused` stops leads to the company"),
    daily_lead_cap: z
      .int()
      .min(1)
      .max(10_000_000)
      .nullable()
      .default(null)
      .describe("Most leads routed to the company per UTC day; null = unlimited"),
    commission_rate: z.number().min(0).max(1).default(0).describe("Share (0..1) of an accepted deal's amount"),
    webhook_url: z
      .string()
      .nullable()
      .optional()
      .describe("https endpoint for lead webhooks; a signing secret is generated and returned once"),
  })
  .meta({ id: "CreateCompanyRequest" });

export class CreateCompanyRoute extends ApiRoute {
  override schema = {
    operationId: "createCompany",
    tags: ["Admin: companies"],
    summary: "Create a company (the bank or a partner)",
    description:
      "With `webhook_url`, a Standard Webhooks signing secret (`whsec_…`) is generated and returned in " +
      "`webhook_secret` of this response only.",
    request: { body: contentJson(CreateCompanyBody) },
    responses: {
      "201": { description: "Created", ...contentJson(CompanyWithSecretSchema) },
      ...errorResponses(400, 403),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "admin");
    const { body } = await this.getValidatedData<typeof this.schema>();
    const now = Date.now();
    const { company, webhookSecret } = await createCompany(
      c.env,
      principal.keyId,
      {
        name: body.name,
        kind: body.kind,
        status: body.status,
        dailyLeadCap: body.daily_lead_cap,
        commissionRate: body.commission_rate,
        webhookUrl: body.webhook_url ?? null,
      },
      now,
    );
    const view = companyView(company, now);
    return c.json({ ...view, ...(webhookSecret ? { webhook_secret: webhookSecret } : {}) }, 201);
  }
}
