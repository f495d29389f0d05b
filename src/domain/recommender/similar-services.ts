/** "Clients who use this also use": a service's kept neighbours in the item lists, for the admin and the API. */
import type { RecommenderModel } from "./model";

/** A neighbour of a service in the item-kNN lists. */
export interface SimilarService {
  service: number;
  code: string;
  name: string;
  similarity: number;
}

/**
 * The services most similar to `service` (its kept neighbours, best first).
 * @throws RangeError when the service is not in the model or limit < 1.
 */
export function similarServices(model: RecommenderModel, service: number, limit = 10): SimilarService[] {
  if (!Number.isInteger(service) || service < 0 || service >= model.nServices) {
    throw new RangeError(`service ${service} is not in the model`);
  }
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError("limit must be an integer >= 1");
  const k = model.neighbours;
  const result: SimilarService[] = [];
  for (let t = 0; t < k && result.length < limit; t++) {
    const j = model.neighbourIndex[service * k + t];
    // Lists are ordered by weight: from the first weight <= 0 on (EASE keeps negative ones), nothing is similar.
    if (j < 0 || !(model.neighbourSimilarity[service * k + t] > 0)) break;
    const entry = model.catalog[j];
    result.push({
      service: j,
      code: entry.code,
      name: entry.name,
      similarity: model.neighbourSimilarity[service * k + t],
    });
  }
  return result;
}
