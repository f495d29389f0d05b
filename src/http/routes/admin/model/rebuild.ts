import { contentJson } from "chanfana";
import type { Context } from "hono";
import type { AppEnv } from "../../../../env";
import { DEFAULT_CLIENTS_PER_STEP, KMEANS_SAMPLE_CLIENTS, startRebuild } from "../../../../usecases/admin/model";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { rebuildJobSchema, rebuildJobView } from "./schemas";

export class StartModelRebuildRoute extends ApiRoute {
  override schema = {
    operationId: "startModelRebuild",
    tags: ["Admin: model"],
    summary: "Start a full rebuild of the statistics and reference groups",
    description:
      "Recomputes the recommender's statistics from the raw clients and interactions and re-clusters the " +
      `reference groups (k-means on ${KMEANS_SAMPLE_CLIENTS.toLocaleString("en")} clients), in queue steps of ` +
      `${DEFAULT_CLIENTS_PER_STEP.toLocaleString("en")} clients, then publishes a model of the new generation. ` +
      "Client writes during the rebuild are reconciled exactly. Answers at once with the job; follow it with " +
      "`GET /v1/admin/model/rebuild/{id}`. Only one rebuild runs at a time (409 `conflict` names the running one).",
    responses: {
      "202": { description: "The rebuild job, started", ...contentJson(rebuildJobSchema) },
      ...errorResponses(403, 409, 503),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "admin");
    const job = await startRebuild(c.env, principal.keyId);
    return c.json(rebuildJobView(job), 202);
  }
}
