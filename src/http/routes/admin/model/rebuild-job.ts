import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { DomainError } from "../../../../domain/errors";
import type { AppEnv } from "../../../../env";
import { getDb } from "../../../../storage/db";
import { findRebuildJob } from "../../../../storage/model-store";
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
    const job = await findRebuildJob(getDb(c.env.DB), params.id);
    if (!job) throw new DomainError("not_found", `Rebuild job ${params.id} not found`, ["params", "id"]);
    return rebuildJobView(job);
  }
}
