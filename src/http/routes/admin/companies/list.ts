import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../../env";
import { listCompanies } from "../../../../usecases/admin/companies";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { CompanySchema, companyView } from "../schemas";

export class ListCompaniesRoute extends ApiRoute {
  override schema = {
    operationId: "listCompanies",
    tags: ["Admin: companies"],
    summary: "List companies (oldest first)",
    request: { query: z.strictObject({}) },
    responses: {
      "200": {
        description: "Every company; secrets are never shown",
        ...contentJson(z.object({ companies: z.array(CompanySchema) })),
      },
      ...errorResponses(400, 403),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    await this.getValidatedData<typeof this.schema>();
    const now = Date.now();
    const companies = await listCompanies(c.env);
    return { companies: companies.map((company) => companyView(company, now)) };
  }
}
