import { contentJson } from "chanfana";
import type { Context } from "hono";
import type { AppEnv } from "../../../../env";
import { getModelStatus } from "../../../../usecases/admin/model";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { currentModelView, modelStatusSchema, modelVersionView, rebuildJobView } from "./schemas";

export class GetModelRoute extends ApiRoute {
  override schema = {
    operationId: "getModel",
    tags: ["Admin: model"],
    summary: "The current recommender model: version, sizes, quality, history",
    description:
      "The version the pointer names (trained at, clients, services, reference groups, neighbours k, artefact and " +
      "snapshot bytes, the last client change folded and how many are pending), how the rating is calibrated " +
      "(fitted on deals or built-in weights, with the calibration report), cheap quality figures from the " +
      "statistics, the latest training runs and the latest full rebuild.",
    responses: {
      "200": { description: "Model status", ...contentJson(modelStatusSchema) },
      ...errorResponses(403),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const status = await getModelStatus(c.env);
    return {
      current: status.current ? currentModelView(status.current, status.latestDeltaId) : null,
      history: status.history.map((version) => modelVersionView(version, status.currentVersion)),
      rebuild: status.rebuild ? rebuildJobView(status.rebuild) : null,
    };
  }
}
