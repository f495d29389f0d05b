import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../../env";
import { createService } from "../../../../usecases/admin/services";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { companyIdSchema, ServiceSchema, serviceView, slugSchema } from "../schemas";

export const CreateServiceBody = z
  .strictObject({
    code: slugSchema.describe("Unique lowercase slug, e.g. `mortgage` or `property-insurance`; immutable"),
    name: z.string().trim().min(1).max(200),
    category: slugSchema.describe("Lowercase slug; services of one category compete for the same client"),
    company_id: companyIdSchema.describe("The company that sells the service (must exist); immutable"),
    description: z.string().trim().max(2000).nullable().optional(),
    active: z.boolean().default(true),
  })
  .meta({ id: "CreateServiceRequest" });

export class CreateServiceRoute extends ApiRoute {
  override schema = {
    operationId: "createService",
    tags: ["Admin: services"],
    summary: "Add a service to the catalog",
    description: "The service gets the next free `model_index` (its interaction-matrix column), never reused.",
    request: { body: contentJson(CreateServiceBody) },
    responses: {
      "201": { description: "Created", ...contentJson(ServiceSchema) },
      ...errorResponses(400, 403, 409),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "admin");
    const { body } = await this.getValidatedData<typeof this.schema>();
    const service = await createService(c.env, principal.keyId, {
      code: body.code,
      name: body.name,
      category: body.category,
      companyId: body.company_id,
      description: body.description ?? null,
      active: body.active,
    });
    return c.json(serviceView(service), 201);
  }
}
