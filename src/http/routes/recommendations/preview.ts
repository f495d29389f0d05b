import type { Context } from "hono";
import { clientProfileSchema, toStoredProfile } from "../../../domain/client-profile";
import { findPersonalData, personalDataError } from "../../../domain/personal-data";
import type { AppEnv } from "../../../env";
import { resolveServiceCodes } from "../../../storage/clients";
import { getDb } from "../../../storage/db";
import { rateClient } from "../../../usecases/rate-client";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireScope } from "../../middleware/auth";
import { assertKnownServiceCodes, readJsonBody, validateAll } from "../clients/input";
import {
  DEFAULT_RECOMMENDATIONS,
  modelRefView,
  previewRecommendationsSchema,
  recommendationQueryInput,
  recommendationQuerySchema,
  recommendationView,
} from "./schemas";

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
    const body = await readJsonBody(c);
    // Personal data is refused as such before any schema rule could call it merely an unknown field.
    const findings = findPersonalData(body, ["body"]);
    if (findings.length > 0) throw personalDataError(findings);
    const { profile, query } = validateAll({
      profile: [clientProfileSchema, body, ["body"]],
      query: [recommendationQuerySchema, recommendationQueryInput(c.req.url), ["query"]],
    });

    const db = getDb(c.env.DB);
    const services = Object.entries(profile.services ?? {});
    const known = await resolveServiceCodes(
      db,
      services.map(([code]) => code),
    );
    assertKnownServiceCodes(
      services.map(([code]) => code),
      (code) => known.has(code),
    );
    const now = Date.now();
    const result = await rateClient(
      c.env,
      {
        profile: toStoredProfile(profile),
        cells: services.map(([code, value]) => {
          const service = known.get(code)!;
          return { serviceId: service.id, modelIndex: service.modelIndex, value, at: now };
        }),
      },
      { now, limit: query.limit ?? DEFAULT_RECOMMENDATIONS, minRating: query.min_rating ?? 0 },
    );
    return { model: modelRefView(result.model), recommendations: result.recommendations.map(recommendationView) };
  }
}
