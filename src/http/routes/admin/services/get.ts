import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { DomainError } from "../../../../domain/errors";
import type { AppEnv } from "../../../../env";
import { getDb } from "../../../../storage/db";
import { getServiceByCode } from "../../../../storage/services";
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
    const row = await getServiceByCode(getDb(c.env.DB), params.code);
    if (!row) throw new DomainError("not_found", `Service ${params.code} not found`);
    return serviceView(row);
  }
}
