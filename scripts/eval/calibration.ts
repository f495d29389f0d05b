/**
 * Calibration of the hybrid on held-out OFFERS (issue 12): the history's cells are offers, accepted
 * (1) or declined (-1). The newest 20 % of each client's offers are held out and the hybrid is trained
 * on the rest exactly as `trainHybrid` does (ranking blend from simulated take-up). The held-out
 * offers of each half of the clients (a stable hash of the row) then fit the acceptance calibration
 * that rates the other half (2-fold cross-fitting: every offer is rated out of fold), as recorded
 * deals would on the platform: outcomes of offers made with the current model's scores. Reported:
 * the isotonic acceptance map of the blend logit (the model's ratings), and for comparison a linear
 * recalibration, a blend fitted on the offers directly and the ranking blend alone. Both halves are
 * scored by the same model with the same amount of history.
 */
import type { Dataset } from "../../src/domain/dataset";
import {
  type AcceptanceMap,
  applyAcceptanceMap,
  type BlendWeights,
  blendLogit,
  type CalibrationReport,
  type CatalogEntry,
  calibrateBlend,
  calibrationReport,
  type DealSample,
  fitAcceptanceMap,
  fitBlend,
  fitOfferCalibration,
  type OfferCalibration,
  partFeatures,
  Rng,
  ratingFromLogit,
  ratingOf,
  type ServiceLink,
  scoreOffers,
  splitOffers,
} from "../../src/domain/recommender";
import { datasetNow, type PipelineOptions, type TrainedHybrid, trainHybrid } from "./pipeline";

export interface OfferCalibrationResult {
  /** Held-out offers rated by the ranking blend (no acceptance calibration). */
  before: CalibrationReport;
  /** Held-out offers rated by the model with its acceptance map (isotonic, fitted on the other half). */
  after: CalibrationReport;
  /** The same with the linear recalibration σ(slope·z + offset) instead of the map. */
  linear: CalibrationReport;
  acceptanceMap: AcceptanceMap;
  calibration: OfferCalibration;
  /** Held-out offers rated by a blend fitted on the inner offers directly (acceptance blend), for comparison. */
  offerBlend: CalibrationReport;
  /** The acceptance blend fitted on all held-out offers (what DEFAULT_BLEND is rounded from). */
  offerBlendWeights: BlendWeights;
}

/** Whether a dataset can be evaluated on offers: times and both outcomes. */
export function hasOfferHistory(dataset: Dataset): boolean {
  const r = dataset.interactions;
  if (!r.time) return false;
  let positive = false;
  let negative = false;
  for (let i = 0; i < r.value.length && !(positive && negative); i++) {
    if (r.value[i] > 0) positive = true;
    else negative = true;
  }
  return positive && negative;
}

function ratingsOf(deals: readonly DealSample[], blend: Parameters<typeof ratingOf>[0]) {
  return {
    ratings: deals.map((deal) => ratingOf(blend, deal.parts)),
    accepted: deals.map((deal) => deal.accepted),
  };
}

/**
 * Runs the offer protocol. `ranking` is the hybrid of the ranking evaluation: its profile share and
 * item settings are reused so that both sections describe the same model configuration.
 */
export function evaluateOfferCalibration(
  dataset: Dataset,
  catalog: readonly CatalogEntry[],
  links: readonly ServiceLink[],
  options: PipelineOptions,
  ranking: TrainedHybrid,
): OfferCalibrationResult {
  const chosen: PipelineOptions = {
    ...options,
    profileShare: ranking.space.profileShare,
    itemModel: ranking.items.itemModel,
    easeLambda: ranking.items.easeLambda,
    declineWeight: ranking.items.declineWeight,
    neighbours: ranking.items.neighbours,
    asymmetry: ranking.items.asymmetry,
  };
  const outer = splitOffers(dataset);
  const hybrid = trainHybrid(outer.train, catalog, links, chosen);
  const now = datasetNow(outer.train);
  // Two halves of the clients by a stable hash of the row; each half is rated by the calibration
  // fitted on the other one (cross-fitting), so every held-out offer is rated out of fold.
  const inFirstHalf = (row: number) => new Rng(options.seed, row).next() < 0.5;
  const halves = [
    scoreOffers(hybrid.model, outer.train, outer.offers, now, inFirstHalf),
    scoreOffers(hybrid.model, outer.train, outer.offers, now, (row) => !inFirstHalf(row)),
  ];
  const blend = hybrid.model.blend;
  const logitsOf = (deals: readonly DealSample[]) => deals.map((deal) => blendLogit(blend, partFeatures(deal.parts)));
  const outcomesOf = (deals: readonly DealSample[]) => deals.map((deal) => deal.accepted);
  const testDeals = [...halves[1], ...halves[0]];
  const mapped: number[] = [];
  const linearRatings: number[] = [];
  const offerRatings: number[] = [];
  for (const [fit, rated] of [
    [halves[0], halves[1]],
    [halves[1], halves[0]],
  ]) {
    const map = fitAcceptanceMap(logitsOf(fit), outcomesOf(fit));
    // The model's own ratings: the acceptance map on its blend logit (what scoreClient returns).
    for (const z of logitsOf(rated)) mapped.push(ratingFromLogit(applyAcceptanceMap(map, z)));
    linearRatings.push(...ratingsOf(rated, calibrateBlend(blend, fitOfferCalibration(blend, fit))).ratings);
    offerRatings.push(...ratingsOf(rated, fitBlend(fit).blend).ratings);
  }
  // What the model would carry: the map and the line fitted on all held-out offers.
  const allDeals = [...halves[0], ...halves[1]];
  const acceptanceMap = fitAcceptanceMap(logitsOf(allDeals), outcomesOf(allDeals));
  const calibration = fitOfferCalibration(blend, allDeals);
  const accepted = outcomesOf(testDeals);
  const before = ratingsOf(testDeals, blend);
  return {
    before: calibrationReport(before.ratings, before.accepted, false),
    after: calibrationReport(mapped, accepted, false),
    linear: calibrationReport(linearRatings, accepted, false),
    acceptanceMap,
    offerBlend: calibrationReport(offerRatings, accepted, false),
    offerBlendWeights: fitBlend(allDeals).blend,
    calibration,
  };
}
