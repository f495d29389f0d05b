import type { RatedService } from "../../domain/lead-selection";
import type { PartScores } from "../../domain/recommender/calibration";
import { profileFromFields } from "../../domain/recommender/features";
import { scoreClient } from "../../domain/recommender/scoring";
import type { Env } from "../../env";
import type { ClientRow, StoredCell } from "../../storage/clients";
import { clientNeeds } from "../../storage/clients";
import type { LeadContext } from "../../storage/lead-context";
import { getServingModel } from "../../storage/model-store";

/**
 * The lead call rates (and records as scored candidates) this many of the client's best services:
 * routing never needs more (one lead per category, at most 20 per call), and it bounds the work and
 * the rows written per call whatever the catalogue size. The threshold preview covers these.
 */
export const RATED_PER_CALL = 50;

/** Part-score columns of `scored_candidates`, from a recommendation's parts. */
export interface PartColumns {
  partItem: number;
  partGroup: number;
  partLink: number;
  partSegment: number;
  partPopularity: number;
  partActivity: number;
}

export interface ClientRating {
  modelVersion: string | null;
  services: RatedService[];
  partsByService: Map<string, PartColumns>;
}

/**
 * Rates the client (as it is after this call's write) with the serving model. Inactive services
 * and services declined within their own cooldown are never rated; services of paused or capped
 * companies are rated, so routing can report them as not routed. With no model published yet the
 * answer is empty (and the call creates no lead) rather than an error.
 */
export async function rateStoredClient(
  env: Env,
  input: { client: ClientRow; cells: readonly StoredCell[]; context: LeadContext; now: number },
): Promise<ClientRating> {
  const { serving } = await getServingModel(env, { now: input.now });
  if (!serving) return { modelVersion: null, services: [], partsByService: new Map() };
  const { model } = serving;
  const { context, now } = input;
  const n = model.nServices;
  const eligible = new Uint8Array(n);
  for (const service of context.services) {
    if (service.active && service.modelIndex < n) eligible[service.modelIndex] = 1;
  }
  const services: number[] = [];
  const values: number[] = [];
  const times: number[] = [];
  for (const cell of input.cells) {
    const service = context.serviceById.get(cell.serviceId);
    if (!service) continue;
    services.push(service.modelIndex);
    values.push(cell.value);
    times.push(cell.at);
    if (service.modelIndex < n) {
      if (cell.value === 1) eligible[service.modelIndex] = 0;
      else if (now - cell.at < context.settings.declineCooldownMs(service.id).value) eligible[service.modelIndex] = 0;
    }
  }
  const recommendations = scoreClient(
    model,
    {
      profile: profileFromFields(model.space, {
        age: input.client.age,
        monthlyIncome: input.client.monthlyIncome,
        region: input.client.region,
        gender: input.client.gender,
        needs: clientNeeds(input.client),
      }),
      interactions: { services, values, times },
    },
    // Cooldowns are per service (settings) and already applied through `eligible`.
    { now, eligible, limit: Math.min(RATED_PER_CALL, n), declineCooldownMs: 0 },
  );
  const rated: RatedService[] = [];
  const partsByService = new Map<string, PartColumns>();
  for (const recommendation of recommendations) {
    const service = context.serviceByIndex.get(recommendation.service);
    if (!service) continue;
    rated.push({
      serviceIndex: recommendation.service,
      serviceId: service.id,
      serviceCode: service.code,
      category: service.category,
      companyId: service.companyId,
      rating: recommendation.rating,
      reasons: recommendation.reasons.map((reason) => reason.text),
    });
    partsByService.set(service.id, partColumns(recommendation.parts));
  }
  return { modelVersion: serving.pointer.version, services: rated, partsByService };
}

function partColumns(parts: PartScores): PartColumns {
  return {
    partItem: parts.item,
    partGroup: parts.group,
    partLink: parts.link,
    partSegment: parts.segment,
    partPopularity: parts.popularity,
    partActivity: parts.activity,
  };
}
