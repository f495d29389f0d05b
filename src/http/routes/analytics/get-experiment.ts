import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { DomainError } from "../../../domain/errors";
import type { AppEnv } from "../../../env";
import { loadCatalogNames } from "../../../storage/analytics";
import { getDb } from "../../../storage/db";
import { getExperiment } from "../../../storage/experiments";
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
    const db = getDb(c.env.DB);
    const row = await getExperiment(db, params.id);
    if (!row) throw new DomainError("not_found", `Experiment ${params.id} not found`);
    const catalog = await loadCatalogNames(db);
    return experimentView(row, catalog.services);
  }
}
