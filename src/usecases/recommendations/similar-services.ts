/** The admin's view of the model's item-kNN neighbours of one service (`GET /v1/admin/services/{code}/similar`). */
import { DomainError } from "../../domain/errors";
import { similarServices } from "../../domain/recommender";
import type { Env } from "../../env";
import { controlDb } from "../../storage/shards";
import { currentServingModel, loadServingCatalog, type ModelRef } from "./serving";

/** A neighbour of a service in the current model. */
export interface SimilarServiceEntry {
  code: string;
  name: string;
  category: string;
  company: { id: string; name: string };
  /** Item-kNN cosine similarity (0..1]. */
  similarity: number;
}

export interface SimilarServices {
  service: { code: string; name: string; category: string };
  /** null when no model exists yet (then `similar` is empty). */
  model: ModelRef | null;
  /** Best first; empty when the service is newer than the model. */
  similar: SimilarServiceEntry[];
}

/**
 * The services most similar to `code` in the current model, best first.
 * @throws DomainError `not_found` (at ["params", "code"]) when no service has this code.
 */
export async function findSimilarServices(env: Env, code: string, limit: number): Promise<SimilarServices> {
  const catalog = await loadServingCatalog(controlDb(env));
  const service = catalog.byCode.get(code);
  if (!service) throw new DomainError("not_found", `Service ${code} not found`, ["params", "code"]);
  const described = { code: service.code, name: service.name, category: service.category };
  const serving = await currentServingModel(env);
  if (!serving) return { service: described, model: null, similar: [] };
  const model = serving.model;
  const ref = { version: model.version, trainedAt: model.trainedAt };
  if (service.modelIndex >= model.nServices) return { service: described, model: ref, similar: [] };
  const similar: SimilarServiceEntry[] = [];
  for (const neighbour of similarServices(model, service.modelIndex, limit)) {
    const entry = catalog.byIndex[neighbour.service];
    if (!entry) continue;
    similar.push({
      code: entry.code,
      name: entry.name,
      category: entry.category,
      company: entry.company,
      similarity: neighbour.similarity,
    });
  }
  return { service: described, model: ref, similar };
}
