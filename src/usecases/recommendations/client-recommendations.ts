/**
 * `GET /v1/clients/{external_id}/recommendations`: ranked services for one of the caller's clients,
 * from its profile and matrix row as stored right now (a deal recorded a moment ago already counts).
 */
import { BROWSING_RETENTION_DAYS, dayNumber } from "../../domain/site-events";
import type { Env } from "../../env";
import { browsingOf } from "../../storage/browsing";
import { activeNeedsOfClient } from "../../storage/client-needs";
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
  const shard = shardOfId(env, client.id)!.db;
  const now = Date.now();
  const [interactions, browsing, needs] = await Promise.all([
    getClientInteractions({ shard, control: controlDb(env) }, client.id),
    browsingOf(
      shard,
      { companyId: client.companyId, kind: "client", hash: client.externalHash },
      dayNumber(now) - BROWSING_RETENTION_DAYS,
    ),
    activeNeedsOfClient(shard, client.id, now),
  ]);
  return rateClient(
    env,
    { ...storedClientForScoring(client, interactions), browsing, needs },
    {
      now,
      limit: request.query.limit ?? DEFAULT_RECOMMENDATIONS,
      minRating: request.query.min_rating ?? 0,
    },
  );
}
