/**
 * `POST /v1/recommendations:preview`: the ranking of a profile that is not stored (nothing is
 * written). The body is scanned for personal data before any schema rule could call it merely an
 * unknown field.
 */
import { clientProfileSchema, toStoredProfile } from "../../domain/client-profile";
import { restatedCrmNeeds } from "../../domain/needs/client-needs";
import { findPersonalData, personalDataError } from "../../domain/personal-data";
import { validateAll } from "../../domain/validation";
import type { Env } from "../../env";
import { controlDb } from "../../storage/shards";
import { resolveKnownServices } from "../client-intake/known-services";
import { profileInVocabularies } from "../vocabularies/profile";
import { DEFAULT_RECOMMENDATIONS, recommendationQuerySchema } from "./query";
import { type RatingResult, rateClient } from "./serving";

/**
 * @param request.body the parsed JSON body (a client profile with optional `services`), not yet validated.
 * @param request.query the query parameters, decimal strings already read as numbers.
 * @throws DomainError `personal_data`, `validation_failed` (also for unknown service codes).
 */
export async function previewRecommendations(
  env: Env,
  request: { body: unknown; query: Record<string, unknown> },
  now = Date.now(),
): Promise<RatingResult> {
  const findings = findPersonalData(request.body, ["body"]);
  if (findings.length > 0) throw personalDataError(findings);
  const { profile: validated, query } = validateAll({
    profile: [clientProfileSchema, request.body, ["body"]],
    query: [recommendationQuerySchema, request.query, ["query"]],
  });
  const profile = await profileInVocabularies(env, validated, ["body"]);
  const services = Object.entries(profile.services ?? {});
  const known = await resolveKnownServices(
    controlDb(env),
    services.map(([code]) => code),
  );
  return rateClient(
    env,
    {
      profile: toStoredProfile(profile),
      cells: services.map(([code, value]) => {
        const service = known.get(code)!;
        return { serviceId: service.id, modelIndex: service.modelIndex, value, at: now };
      }),
      // The preview's needs are plain codes: CRM statements at the CRM defaults.
      needs: restatedCrmNeeds(profile.needs, [], now).map((need) => ({
        ...need,
        source: "crm" as const,
        observedAt: now,
      })),
    },
    { now, limit: query.limit ?? DEFAULT_RECOMMENDATIONS, minRating: query.min_rating ?? 0 },
  );
}
