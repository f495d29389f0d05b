/**
 * The floor of scoring one client: a single plain pass that reads exactly the typed-array entries
 * `scoreClient` reads for that client, and only sums them. Whatever scoring costs above this is its
 * own work (exclusions, blending, top-k, reasons, result objects), not memory traffic it cannot avoid.
 *
 * Per client cell j (a service the client uses or declined):
 *   - the transposed neighbour list of j (`reverseNeighbourIndex` / `reverseNeighbourSimilarity`
 *     over `reverseNeighbourPtr[j] .. [j + 1]`) — the item-kNN part;
 *   - the business-link CSR row of j (`linkTarget` / `linkWeight` over `linkPtr[j] .. [j + 1]`).
 * Per reference group g: the P profile dimensions of its centroid row and the centroid entries of
 * the client's cells (what the cosine with a sparse client vector touches).
 * Per service s: the logit rows scoring blends — the m nearest groups' `groupLogit` rows (the floor
 * reads the rows of groups 0..m−1: same length, the choice of rows costs nothing), the client's
 * `segmentLogit` row and `popularityLogit`.
 */
import type { RecommenderClient, RecommenderModel } from "../../src/domain/recommender";
import { segmentOf } from "../../src/domain/recommender";

/** What the floor needs of one client, prepared outside the timed region. */
export interface FloorInput {
  services: ArrayLike<number>;
  values: ArrayLike<number>;
  /** Offset of the client's segment row in `segmentLogit`. */
  segmentBase: number;
}

/** Prepares a client for `scoringFloor`. */
export function floorInput(model: RecommenderModel, client: RecommenderClient): FloorInput {
  const segment = segmentOf(model.space, client.profile.age, client.profile.monthlyIncome);
  return {
    services: client.interactions.services,
    values: client.interactions.values,
    segmentBase: segment * model.nServices,
  };
}

/** Sums every entry scoring reads for the client (see the module comment); returns the sum. */
export function scoringFloor(model: RecommenderModel, input: FloorInput): number {
  const n = model.nServices;
  const { services, values } = input;
  const cells = services.length;
  const revPtr = model.reverseNeighbourPtr;
  const revIdx = model.reverseNeighbourIndex;
  const revSim = model.reverseNeighbourSimilarity;
  const linkPtr = model.linkPtr;
  const linkTarget = model.linkTarget;
  const linkWeight = model.linkWeight;
  let sum = 0;
  for (let i = 0; i < cells; i++) {
    const j = services[i];
    if (j >= n) continue;
    const v = values[i];
    for (let p = revPtr[j], end = revPtr[j + 1]; p < end; p++) sum += v * revSim[p] + revIdx[p];
    for (let p = linkPtr[j], end = linkPtr[j + 1]; p < end; p++) sum += linkWeight[p] + linkTarget[p];
  }
  const G = model.nGroups;
  const P = model.profileDims;
  const D = model.vectorDims;
  const centroids = model.centroids;
  for (let g = 0; g < G; g++) {
    const base = g * D;
    for (let p = 0; p < P; p++) sum += centroids[base + p];
    const rowBase = base + P;
    for (let i = 0; i < cells; i++) if (services[i] < n) sum += values[i] * centroids[rowBase + services[i]];
  }
  const m = Math.min(G, model.config.nearestGroups);
  const groupLogit = model.groupLogit;
  const segmentLogit = model.segmentLogit;
  const popularityLogit = model.popularityLogit;
  const segmentBase = input.segmentBase;
  if (m >= 3) {
    const g1 = n;
    const g2 = 2 * n;
    for (let s = 0; s < n; s++) {
      sum +=
        groupLogit[s] + groupLogit[g1 + s] + groupLogit[g2 + s] + segmentLogit[segmentBase + s] + popularityLogit[s];
    }
    for (let t = 3; t < m; t++) for (let s = 0; s < n; s++) sum += groupLogit[t * n + s];
  } else {
    for (let s = 0; s < n; s++) {
      let row = segmentLogit[segmentBase + s] + popularityLogit[s];
      for (let t = 0; t < m; t++) row += groupLogit[t * n + s];
      sum += row;
    }
  }
  return sum;
}
