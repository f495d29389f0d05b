import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../../env";
import { listServices } from "../../../../usecases/admin/services";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { companyIdSchema, ServiceSchema, serviceView, slugSchema } from "../schemas";

export class ListServicesRoute extends ApiRoute {
  override schema = {
    operationId: "listServices",
    tags: ["Admin: services"],
    summary: "List the service catalog (in model-index order)",
    request: {
      query: z.strictObject({
        company_id: companyIdSchema.optional().describe("Only services of this company"),
        category: slugSchema.optional().describe("Only services of this category"),
        active: z.boolean().optional().describe("true: only active services; false: only inactive ones"),
      }),
    },
    responses: {
      "200": { description: "Matching services", ...contentJson(z.object({ services: z.array(ServiceSchema) })) },
      ...errorResponses(400, 403),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { query } = await this.getValidatedData<typeof this.schema>();
    const services = await listServices(c.env, {
      companyId: query.company_id,
      category: query.category,
      active: query.active,
    });
    return { services: services.map(serviceView) };
  }
}
