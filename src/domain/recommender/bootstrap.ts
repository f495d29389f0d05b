/**
 * Simulated deals from history, to fit the blend before real deals exist (offline evaluation, or a
 * full rebuild on a fresh platform). Some of each client's positives are hidden (`splitDataset`),
 * a model is trained without them, and every client is "offered" its top recommendations: an offer
 * counts as accepted when the client does use the service, declined otherwise. This mirrors how
 * real deals arise — only top-ranked services are ever offered — so the fitted blend learns to
 * order exactly the candidates that compete for the top of the list.
 */
import type { Dataset } from "../dataset";
import { type DealSample, fitBlend } from "./calibration";
import { datasetClient } from "./features";
import type { RecommenderModel } from "./model";
import { scoreClient } from "./scoring";
import type { HeldOut } from "./splits";

export interface SimulatedOfferOptions {
  /** Offers made to each client (default 20). */
  offersPerClient?: number;
  /** "now" for scoring; declines are excluded whatever their age. */
  now: number;
  /** Also record held-out positives that were not offered, as accepted (organic take-up; default false). */
  includeOrganic?: boolean;
  /**
   * Rounds of offers (default 1). Round 1 offers what the model's blend ranks first; each further
   * round offers what the blend fitted on the previous round's outcomes ranks first, as the platform
   * does once deals come in. The deals of the last round are returned.
   */
  rounds?: number;
}

/** Deal samples of simulated offers to the clients of `dataset` that have held-out positives. */
export function simulateOfferDeals(
  model: RecommenderModel,
  dataset: Dataset,
  heldOut: HeldOut,
  options: SimulatedOfferOptions,
): DealSample[] {
  const rounds = options.rounds ?? 1;
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError("rounds must be an integer >= 1");
  let deals = offerRound(model, dataset, heldOut, options);
  for (let round = 2; round <= rounds; round++) {
    const fit = fitBlend(deals);
    if (fit.source !== "deals") break;
    deals = offerRound({ ...model, blend: fit.blend }, dataset, heldOut, options);
  }
  return deals;
}

function offerRound(
  model: RecommenderModel,
  dataset: Dataset,
  heldOut: HeldOut,
  options: SimulatedOfferOptions,
): DealSample[] {
  const offers = options.offersPerClient ?? 20;
  const deals: DealSample[] = [];
  const relevant = new Uint8Array(model.nServices);
  for (let row = 0; row < dataset.clients.count; row++) {
    const start = heldOut.ptr[row];
    const end = heldOut.ptr[row + 1];
    if (start === end) continue;
    for (let i = start; i < end; i++) relevant[heldOut.items[i]] = 1;
    const client = datasetClient(dataset, row);
    const wide = options.includeOrganic ? model.nServices : offers;
    const ranked = scoreClient(model, client, {
      now: options.now,
      limit: Math.max(1, wide),
      declineCooldownMs: Number.POSITIVE_INFINITY,
      reasons: false,
    });
    for (let r = 0; r < ranked.length; r++) {
      const accepted = relevant[ranked[r].service] === 1;
      if (r < offers || accepted) deals.push({ parts: ranked[r].parts, accepted });
    }
    for (let i = start; i < end; i++) relevant[heldOut.items[i]] = 0;
  }
  return deals;
}
