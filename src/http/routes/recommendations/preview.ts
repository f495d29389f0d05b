import type { Context } from "hono";
import { clientProfileSchema } from "../../../domain/client-profile";
import type { AppEnv } from "../../../env";
import { previewRecommendations } from "../../../usecases/recommendations/preview";
import { recommendationQuerySchema } from "../../../usecases/recommendations/query";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireScope } from "../../middleware/auth";
import { readJsonBody } from "../../request-body";
import { modelRefView, previewRecommendationsSchema, recommendationQueryInput, recommendationView } from "./schemas";

export class PreviewRecommendationsRoute extends ApiRoute {
  override schema = {
    operationId: "previewRecommendations",
    tags: ["Recommendations"],
    summary: "Recommendations for an ad-hoc profile (nothing is stored)",
    description:
      "The same ranking as `GET /v1/clients/{external_id}/recommendations` for a profile that is not stored: the " +
      "body is a client profile exactly as client intake takes it, with optional `services` (code → 1 uses, −1 " +
      "declined just now). Nothing is written. The body is scanned for personal data first (422 `personal_data`); " +
      "unknown service codes are refused (400, one error per code). Needs `crm` or `admin` scope.",
    request: {
      query: recommendationQuerySchema,
      body: { required: true, content: { "application/json": { schema: clientProfileSchema } } },
    },
    responses: {
      "200": {
        description: "Recommendations, best first",
        content: { "application/json": { schema: previewRecommendationsSchema } },
      },
      ...errorResponses(400, 403, 413, 422),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "crm", "admin");
    const result = await previewRecommendations(c.env, {
      body: await readJsonBody(c),
      query: recommendationQueryInput(c.req.url),
    });
    return { model: modelRefView(result.model), recommendations: result.recommendations.map(recommendationView) };
  }
}
