import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../env";
import { findSimilarServices } from "../../../usecases/recommendations/similar-services";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireScope } from "../../middleware/auth";
import { modelRefSchema, modelRefView } from "../recommendations/schemas";

const DEFAULT_SIMILAR = 10;
const MAX_SIMILAR = 100;

export const similarServicesSchema = z
  .object({
    service: z.object({ code: z.string(), name: z.string(), category: z.string() }),
    model: modelRefSchema.nullable().meta({ description: "null when no model exists yet" }),
    similar: z
      .array(
        z.object({
          code: z.string(),
          name: z.string(),
          category: z.string(),
          company: z.object({ id: z.string(), name: z.string() }),
          similarity: z.number().meta({ description: "Cosine of the two services' columns of the interaction matrix" }),
        }),
      )
      .meta({ description: "Most similar first; empty when the service is newer than the model" }),
  })
  .meta({ id: "SimilarServices" });

export class SimilarServicesRoute extends ApiRoute {
  override schema = {
    operationId: "listSimilarServices",
    tags: ["Admin: model"],
    summary: "Services most similar to a service (item-kNN neighbours of the current model)",
    description:
      "The neighbours the current model keeps for the service: services used by the same clients (declines " +
      "count against), by cosine similarity. A service created after the model was trained has none until the " +
      "next retrain.",
    request: {
      params: z.object({ code: z.string().min(1).max(64).describe("Service code") }),
      query: z.strictObject({
        limit: z
          .number()
          .int()
          .min(1)
          .max(MAX_SIMILAR)
          .optional()
          .describe(`Most services returned (1–${MAX_SIMILAR}, default ${DEFAULT_SIMILAR})`),
      }),
    },
    responses: {
      "200": { description: "Similar services", ...contentJson(similarServicesSchema) },
      ...errorResponses(400, 403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { params, query } = await this.getValidatedData<typeof this.schema>();
    const result = await findSimilarServices(c.env, params.code, query.limit ?? DEFAULT_SIMILAR);
    return {
      service: result.service,
      model: modelRefView(result.model),
      similar: result.similar.map((entry) => ({ ...entry, similarity: Math.round(entry.similarity * 10000) / 10000 })),
    };
  }
}
