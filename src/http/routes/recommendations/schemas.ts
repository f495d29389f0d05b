/** Request and response schemas of the recommendation routes, and the views that fill them. */
import { z } from "zod";
import type { ReasonKind } from "../../../domain/recommender";
import { iso } from "../../../domain/time";
import type { ModelRef, RatedReason, ServiceRating } from "../../../usecases/recommendations/serving";

/** What each reason kind means; a `Record` so that a new kind of the recommender must be described here. */
const REASON_KIND_DESCRIPTIONS: Record<ReasonKind, string> = {
  similar_services: "clients who use a service of this client also use it",
  reference_group: "clients like this one (its reference groups) take it",
  business_link: "the admins' cross-service matrix links it to a service the client uses",
  segment_popularity: "popular in the client's age and income band",
  popularity: "popular overall",
  browsing_interest:
    "the client browsed it lately on the company's website (with consent); a bounded lift, never a deal",
  client_need: "a need of the client (CRM, survey or inferred, with its confidence) points to it",
};
export const REASON_KINDS = Object.keys(REASON_KIND_DESCRIPTIONS) as [ReasonKind, ...ReasonKind[]];

export const reasonSchema = z
  .object({
    kind: z.enum(REASON_KINDS).meta({
      description: Object.entries(REASON_KIND_DESCRIPTIONS)
        .map(([kind, meaning]) => `${kind}: ${meaning}`)
        .join("; "),
    }),
    text: z.string().meta({
      description: "Ready to show to a sales manager",
      example: "Clients who use Ипотека often also take Экспо Страхование: квартира",
    }),
    weight: z
      .number()
      .min(0)
      .max(1)
      .meta({ description: "Share of the evidence behind the rating (the reasons sum to 1)" }),
    related_service: z
      .object({ code: z.string(), name: z.string() })
      .optional()
      .meta({ description: "The client's service the reason refers to, if any" }),
  })
  .meta({ id: "RecommendationReason" });

export const recommendationSchema = z
  .object({
    code: z.string().meta({ description: "Service code", example: "expo-property-insurance" }),
    name: z.string(),
    category: z.string(),
    company: z.object({ id: z.string(), name: z.string() }).meta({ description: "The company that sells the service" }),
    rating: z.number().min(0).max(100).meta({
      description: "0–100, one decimal: the probability, in percent, that the client takes the service",
      example: 83.4,
    }),
    reasons: z.array(reasonSchema).meta({ description: "Strongest first" }),
  })
  .meta({ id: "Recommendation" });

export const modelRefSchema = z
  .object({ version: z.string(), trained_at: z.iso.datetime() })
  .meta({ id: "ModelRef", description: "The model version the ratings come from" });

export const clientRecommendationsSchema = z
  .object({
    external_id: z.string(),
    model: modelRefSchema.nullable().meta({ description: "null when no model exists yet (then no recommendations)" }),
    recommendations: z.array(recommendationSchema).meta({ description: "Best first" }),
  })
  .meta({ id: "ClientRecommendations" });

export const previewRecommendationsSchema = z
  .object({
    model: modelRefSchema.nullable().meta({ description: "null when no model exists yet (then no recommendations)" }),
    recommendations: z.array(recommendationSchema).meta({ description: "Best first" }),
  })
  .meta({ id: "PreviewRecommendations" });

/** The API view of the model a rating came from. */
export function modelRefView(model: ModelRef | null) {
  return model ? { version: model.version, trained_at: iso(model.trainedAt) } : null;
}

function reasonView(reason: RatedReason) {
  return {
    kind: reason.kind,
    text: reason.text,
    weight: Math.round(reason.weight * 1000) / 1000,
    ...(reason.relatedService ? { related_service: reason.relatedService } : {}),
  };
}

/** The API view of one rated service (rating rounded to one decimal). */
export function recommendationView(rated: ServiceRating) {
  return {
    code: rated.code,
    name: rated.name,
    category: rated.category,
    company: rated.company,
    rating: Math.round(rated.rating * 10) / 10,
    reasons: rated.reasons.map(reasonView),
  };
}

const DECIMAL = /^-?\d+(\.\d+)?$/;

/**
 * The query string as an object for the preview's own validation: decimal strings become numbers
 * (other strings stay strings and fail with the rule's message).
 */
export function recommendationQueryInput(url: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of new URL(url).searchParams) out[key] = DECIMAL.test(value.trim()) ? Number(value) : value;
  return out;
}
