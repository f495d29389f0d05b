import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../../env";
import { updateService } from "../../../../usecases/admin/services";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { ServiceSchema, serviceView, slugSchema } from "../schemas";

/** Body of PATCH /v1/admin/services/{code}; `code` and `company_id` are immutable and refused. */
export const UpdateServiceBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200).optional(),
    category: slugSchema.optional(),
    description: z.string().trim().max(2000).nullable().optional(),
    active: z.boolean().optional().describe("false stops recommending the service; it keeps its model index"),
  })
  .refine((body) => Object.keys(body).length > 0, { error: "Send at least one field to change" })
  .meta({ id: "UpdateServiceRequest" });

export class UpdateServiceRoute extends ApiRoute {
  override schema = {
    operationId: "updateService",
    tags: ["Admin: services"],
    summary: "Update a service (name, category, description, active)",
    request: {
      params: z.object({ code: z.string().min(1).max(64).describe("Service code") }),
      body: contentJson(UpdateServiceBody),
    },
    responses: {
      "200": { description: "The updated service", ...contentJson(ServiceSchema) },
      ...errorResponses(400, 403, 404, 409),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "admin");
    const { params, body } = await this.getValidatedData<typeof this.schema>();
    const service = await updateService(c.env, principal.keyId, params.code, {
      name: body.name,
      category: body.category,
      description: body.description,
      active: body.active,
    });
    return serviceView(service);
  }
}
