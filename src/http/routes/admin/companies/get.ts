import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../../env";
import { getCompany } from "../../../../usecases/admin/companies";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { CompanySchema, companyIdSchema, companyView } from "../schemas";

export class GetCompanyRoute extends ApiRoute {
  override schema = {
    operationId: "getCompany",
    tags: ["Admin: companies"],
    summary: "Get a company",
    request: { params: z.object({ id: companyIdSchema }) },
    responses: {
      "200": { description: "The company; secrets are never shown", ...contentJson(CompanySchema) },
      ...errorResponses(400, 403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { params } = await this.getValidatedData<typeof this.schema>();
    return companyView(await getCompany(c.env, params.id));
  }
}
