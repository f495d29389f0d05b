import { contentJson } from "chanfana";
import type { Context } from "hono";
import type { AppEnv } from "../../../../env";
import { getDb } from "../../../../storage/db";
import { latestDeltaId } from "../../../../storage/model-statistics";
import { findVersion, latestRebuildJob, listVersions, readPointer } from "../../../../storage/model-store";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { currentModelView, modelStatusSchema, modelVersionView, rebuildJobView } from "./schemas";

/** Training runs listed in the history. */
const HISTORY_LENGTH = 10;

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
    const db = getDb(c.env.DB);
    const [pointer, history, rebuild, position] = await Promise.all([
      readPointer(db),
      listVersions(db, HISTORY_LENGTH),
      latestRebuildJob(db),
      latestDeltaId(db),
    ]);
    const currentRow = pointer ? await findVersion(db, pointer.version) : null;
    return {
      current: currentRow ? currentModelView(currentRow, position) : null,
      history: history.map((row) => modelVersionView(row, pointer?.version ?? null)),
      rebuild: rebuild ? rebuildJobView(rebuild) : null,
    };
  }
}
