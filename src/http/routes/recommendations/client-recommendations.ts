import type { Context } from "hono";
import { z } from "zod";
import { externalIdSchema } from "../../../domain/client-profile";
import { findPersonalDataInIdentifier, personalDataError } from "../../../domain/personal-data";
import type { AppEnv } from "../../../env";
import { recommendForClient } from "../../../usecases/recommendations/client-recommendations";
import { recommendationQuerySchema } from "../../../usecases/recommendations/query";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireCompanyScope } from "../../middleware/auth";
import { clientRecommendationsSchema, modelRefView, recommendationView } from "./schemas";

export class ClientRecommendationsRoute extends ApiRoute {
  override schema = {
    operationId: "getClientRecommendations",
    tags: ["Recommendations"],
    summary: "Ranked services for one of the caller's clients",
    description:
      "The services this client is most likely to take, best first, each with its rating (0–100: the probability, " +
      "in percent, that the client takes it), the company that sells it and the reasons. Services the client uses, " +
      "services it declined within the decline cool-down (setting `decline_cooldown_days`), inactive services and " +
      "services of paused companies are never listed. The client's own profile and interactions are read at request " +
      "time, so an interaction or deal recorded a moment ago is already reflected; the model itself is retrained " +
      "every 15 minutes. Before any model exists the first request trains one; while there is none, the list is " +
      "empty and `model` is null. Clients of other companies are never visible (404). Needs `crm` scope.",
    request: { params: z.object({ external_id: externalIdSchema }), query: recommendationQuerySchema },
    responses: {
      "200": {
        description: "Recommendations, best first",
        content: { "application/json": { schema: clientRecommendationsSchema } },
      },
      ...errorResponses(400, 403, 404, 422, 503),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const { companyId } = requireCompanyScope(c, "crm");
    // Personal data in the path is refused as such before any schema rule could call it malformed.
    const findings = findPersonalDataInIdentifier(c.req.param("external_id") ?? "", ["params", "external_id"]);
    if (findings.length > 0) throw personalDataError(findings);
    const { params, query } = await this.getValidatedData<typeof this.schema>();
    const result = await recommendForClient(c.env, { companyId, externalId: params.external_id, query });
    return {
      external_id: params.external_id,
      model: modelRefView(result.model),
      recommendations: result.recommendations.map(recommendationView),
    };
  }
}
