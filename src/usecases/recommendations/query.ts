/** The query of the recommendation use cases: how many services, and from which rating on. */
import { z } from "zod";

/** Default and largest `limit` of the recommendation routes. */
export const DEFAULT_RECOMMENDATIONS = 10;
export const MAX_RECOMMENDATIONS = 50;

export const recommendationQuerySchema = z.strictObject({
  limit: z
    .number({ error: "limit must be a whole number" })
    .int({ error: "limit must be a whole number" })
    .min(1, { error: `limit must be 1 to ${MAX_RECOMMENDATIONS}` })
    .max(MAX_RECOMMENDATIONS, { error: `limit must be 1 to ${MAX_RECOMMENDATIONS}` })
    .optional()
    .meta({
      description: `Most recommendations returned (1–${MAX_RECOMMENDATIONS}, default ${DEFAULT_RECOMMENDATIONS})`,
    }),
  min_rating: z
    .number({ error: "min_rating must be a number" })
    .min(0, { error: "min_rating must be 0 to 100" })
    .max(100, { error: "min_rating must be 0 to 100" })
    .optional()
    .meta({ description: "Only services rated at least this (0–100, default 0)" }),
});

export type RecommendationQuery = z.output<typeof recommendationQuerySchema>;
