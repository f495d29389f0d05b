import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../../env";
import { getService } from "../../../../usecases/admin/services";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { ServiceSchema, serviceView } from "../schemas";

export class GetServiceRoute extends ApiRoute {
  override schema = {
    operationId: "getService",
    tags: ["Admin: services"],
    summary: "Get a service by code",
    request: { params: z.object({ code: z.string().min(1).max(64).describe("Service code") }) },
    responses: {
      "200": { description: "The service", ...contentJson(ServiceSchema) },
      ...errorResponses(400, 403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { params } = await this.getValidatedData<typeof this.schema>();
    return serviceView(await getService(c.env, params.code));
  }
}
