/**
 * Calibration of the hybrid on held-out OFFERS (issue 12): the history's cells are offers, accepted
 * (1) or declined (-1). The newest 20 % of each client's offers are held out and the hybrid is trained
 * on the rest exactly as `trainHybrid` does (ranking blend from simulated take-up). The held-out
 * offers of half of the clients (a stable hash of the row) then fit the acceptance calibration — as
 * recorded deals would on the platform: outcomes of offers made with the current model's scores; an
 * isotonic acceptance map of the blend logit, plus a linear recalibration and an offer-fitted blend
 * for comparison —
 * and the held-out offers of the other half are the test: their outcomes never touch a fit, and both
 * halves are scored by the same model with the same amount of history.
 */
import type { Dataset } from "../../src/domain/dataset";
import {
  type AcceptanceMap,
  applyAcceptanceMap,
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
  /** Held-out offers of the calibration half of the clients, which the calibration was fitted on. */
  fittedOn: number;
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
    easeLambda: ranking.items.easeLambda,
    declineWeight: ranking.items.declineWeight,
  };
  const outer = splitOffers(dataset);
  const hybrid = trainHybrid(outer.train, catalog, links, chosen);
  const now = datasetNow(outer.train);
  const fitClients = (row: number) => new Rng(options.seed, row).next() < 0.5;
  const fitDeals = scoreOffers(hybrid.model, outer.train, outer.offers, now, fitClients);
  const testDeals = scoreOffers(hybrid.model, outer.train, outer.offers, now, (row) => !fitClients(row));
  const blend = hybrid.model.blend;
  const logitsOf = (deals: readonly DealSample[]) => deals.map((deal) => blendLogit(blend, partFeatures(deal.parts)));
  const acceptanceMap = fitAcceptanceMap(
    logitsOf(fitDeals),
    fitDeals.map((deal) => deal.accepted),
  );
  const calibration = fitOfferCalibration(blend, fitDeals);
  const before = ratingsOf(testDeals, blend);
  const linear = ratingsOf(testDeals, calibrateBlend(blend, calibration));
  const offerFitted = ratingsOf(testDeals, fitBlend(fitDeals).blend);
  // The model's own ratings: the acceptance map on its blend logit (what scoreClient returns).
  const mapped = logitsOf(testDeals).map((z) => ratingFromLogit(applyAcceptanceMap(acceptanceMap, z)));
  return {
    before: calibrationReport(before.ratings, before.accepted, false),
    after: calibrationReport(
      mapped,
      testDeals.map((deal) => deal.accepted),
      false,
    ),
    linear: calibrationReport(linear.ratings, linear.accepted, false),
    acceptanceMap,
    offerBlend: calibrationReport(offerFitted.ratings, offerFitted.accepted, false),
    calibration,
    fittedOn: fitDeals.length,
  };
}
