/**
 * Calibration of the hybrid on held-out OFFERS (issue 12): the history's cells are offers, accepted
 * (1) or declined (-1). The newest share of each client's offers is held out; the hybrid is trained
 * on the rest exactly as `trainHybrid` does (ranking blend from simulated take-up), then calibrated
 * on the offers of an inner temporal split of its training part, and finally rates the held-out
 * offers: the report compares those ratings with what the clients did.
 */
import type { Dataset } from "../../src/domain/dataset";
import {
  type CalibrationReport,
  type CatalogEntry,
  calibrateBlend,
  calibrationReport,
  type DealSample,
  fitOfferCalibration,
  type OfferCalibration,
  ratingOf,
  type ServiceLink,
  scoreOffers,
  splitOffers,
} from "../../src/domain/recommender";
import { datasetNow, type PipelineOptions, type TrainedHybrid, trainHybrid, trainModel } from "./pipeline";

export interface OfferCalibrationResult {
  /** Held-out offers rated by the ranking blend (no acceptance calibration). */
  before: CalibrationReport;
  /** Held-out offers rated by the calibrated blend. */
  after: CalibrationReport;
  calibration: OfferCalibration;
  /** Offers the calibration was fitted on (inner split). */
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
  const inner = splitOffers(outer.train);
  const innerModel = trainModel(inner.train, hybrid.space, catalog, links, chosen, ranking.items, [], "inner-offers");
  const innerDeals = scoreOffers(
    { ...innerModel, blend: hybrid.model.blend },
    inner.train,
    inner.offers,
    datasetNow(inner.train),
  );
  const calibration = fitOfferCalibration(hybrid.model.blend, innerDeals);
  const calibrated = calibrateBlend(hybrid.model.blend, calibration);
  const heldOut = scoreOffers(hybrid.model, outer.train, outer.offers, datasetNow(outer.train));
  const before = ratingsOf(heldOut, hybrid.model.blend);
  const after = ratingsOf(heldOut, calibrated);
  return {
    before: calibrationReport(before.ratings, before.accepted, false),
    after: calibrationReport(after.ratings, after.accepted, false),
    calibration,
    fittedOn: innerDeals.length,
  };
}
