/**
 * `GET /v1/clients/{external_id}/recommendations`: ranked services for one of the caller's clients,
 * from its profile and matrix row as stored right now (a deal recorded a moment ago already counts).
 */
import type { Env } from "../../env";
import { getClientInteractions } from "../../storage/clients";
import { controlDb, shardOfId } from "../../storage/shards";
import { findCompanyClient } from "../client-intake/get-client";
import { DEFAULT_RECOMMENDATIONS, type RecommendationQuery } from "./query";
import { type RatingResult, rateClient, storedClientForScoring } from "./serving";

/**
 * @param request.externalId the CRM id, already validated (and scanned for personal data).
 * @throws DomainError `not_found` (no such client at this company), `unavailable` (no pseudonym key).
 */
export async function recommendForClient(
  env: Env,
  request: { companyId: string; externalId: string; query: RecommendationQuery },
): Promise<RatingResult> {
  const client = await findCompanyClient(env, request.companyId, request.externalId);
  const interactions = await getClientInteractions(
    { shard: shardOfId(env, client.id)!.db, control: controlDb(env) },
    client.id,
  );
  return rateClient(env, storedClientForScoring(client, interactions), {
    limit: request.query.limit ?? DEFAULT_RECOMMENDATIONS,
    minRating: request.query.min_rating ?? 0,
  });
}
