import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../env";
import { getExperiment } from "../../../usecases/analytics/experiments";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireScope } from "../../middleware/auth";
import { ExperimentSchema, experimentView } from "./schemas";

export const experimentIdParams = z.object({ id: z.string().min(1).max(64).describe("`exp_…`") });

export class GetExperimentRoute extends ApiRoute {
  override schema = {
    operationId: "getExperiment",
    tags: ["Admin: experiments"],
    summary: "Get an experiment",
    request: { params: experimentIdParams },
    responses: {
      "200": { description: "The experiment", ...contentJson(ExperimentSchema) },
      ...errorResponses(400, 403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { params } = await this.getValidatedData<typeof this.schema>();
    const { experiment, serviceCodes } = await getExperiment(c.env, params.id);
    return experimentView(experiment, serviceCodes);
  }
}
