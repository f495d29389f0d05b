import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../../env";
import { getRebuildJob } from "../../../../usecases/admin/model";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { rebuildJobSchema, rebuildJobView } from "./schemas";

export class GetModelRebuildRoute extends ApiRoute {
  override schema = {
    operationId: "getModelRebuild",
    tags: ["Admin: model"],
    summary: "Progress of a full rebuild",
    request: { params: z.object({ id: z.string().min(1).max(64).describe("Rebuild job id (`rb_…`)") }) },
    responses: {
      "200": { description: "The rebuild job", ...contentJson(rebuildJobSchema) },
      ...errorResponses(400, 403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { params } = await this.getValidatedData<typeof this.schema>();
    return rebuildJobView(await getRebuildJob(c.env, params.id));
  }
}
