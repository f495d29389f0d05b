import { contentJson } from "chanfana";
import type { Context } from "hono";
import type { AppEnv } from "../../../../env";
import { retrainNow } from "../../../../usecases/admin/model";
import { ApiRoute } from "../../../api-route";
import { errorResponses } from "../../../errors";
import { requireScope } from "../../../middleware/auth";
import { retrainResultSchema, retrainResultView } from "./schemas";

export class RetrainModelRoute extends ApiRoute {
  override schema = {
    operationId: "retrainModel",
    tags: ["Admin: model"],
    summary: "Retrain the model now",
    description:
      "Runs the scheduled retrain at once: folds the client changes logged since the current version into the " +
      "statistics, rebuilds item neighbours, reference-group rates and the blend, and publishes a new version. " +
      "Idempotent: with nothing changed since the current version (no client change, same catalog, links and " +
      "deals) it answers `unchanged` and writes nothing; two concurrent retrains leave one consistent current " +
      "model. Before the first model, the statistics are built by a full rebuild (in this request for up to " +
      "5,000 clients, otherwise in the background: `rebuild_started`). 503 when the current statistics snapshot " +
      "cannot be read (nothing changes).",
    responses: {
      "200": { description: "What the retrain did", ...contentJson(retrainResultSchema) },
      ...errorResponses(403, 503),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "admin");
    return retrainResultView(await retrainNow(c.env, principal.keyId));
  }
}
