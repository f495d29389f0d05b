/**
 * The interest part in the evaluation (`npm run eval -- --data demo --browsing`): the hybrid ranks
 * every evaluated client twice, without and with its planted browsing (scripts/datagen/browsing.ts),
 * on the same model and held-out positives. Besides the ranking metrics it reports how the ratings
 * of the top k read against the held-out take-up (a calibration line: ECE over ten rating buckets,
 * mean rating and observed share): the lift is bounded, so it must not inflate the ratings.
 */
import type { Dataset } from "../../src/domain/dataset";
import {
  type BrowsingInterest,
  datasetClient,
  type HeldOut,
  MetricsAccumulator,
  type RecommenderModel,
  scoreClient,
} from "../../src/domain/recommender";
import { plantBrowsing } from "../datagen/browsing";
import { datasetNow } from "./pipeline";

export interface InterestVariantResult {
  ndcg: number;
  hit: number;
  precision: number;
  recall: number;
  /** Expected calibration error of the top-k ratings against held-out take-up, in rating points. */
  ece: number;
  /** Mean rating (0..100) and observed take-up share (%) of the top-k recommendations. */
  meanRating: number;
  observedRate: number;
  /** Recommendations rated (clients × k at most). */
  samples: number;
  /** Top-k recommendations whose reasons include browsing (with interests only). */
  withBrowsingReason: number;
}

export interface InterestEvaluation {
  without: InterestVariantResult;
  with: InterestVariantResult;
  /** Planted browsing: clients with any, entries, and the share of held-out positives browsed. */
  clientsWithBrowsing: number;
  browsedHeldOut: number;
  heldOut: number;
  halfLifeDays: number;
}

export interface InterestEvalOptions {
  k: number;
  seed: number;
  halfLifeDays: number;
  signalShare?: number;
  noisePerClient?: number;
}

/** Evaluates the model's ranking without and with planted browsing. */
export function evaluateInterest(
  train: Dataset,
  test: HeldOut,
  model: RecommenderModel,
  options: InterestEvalOptions,
): InterestEvaluation {
  const now = datasetNow(train);
  const rows = train.clients.count;
  const browsing = plantBrowsing(test, rows, {
    seed: options.seed,
    now,
    nServices: train.nServices,
    signalShare: options.signalShare,
    noisePerClient: options.noisePerClient,
  });
  let clientsWithBrowsing = 0;
  let browsedHeldOut = 0;
  const browsed = new Uint8Array(train.nServices);
  for (let row = 0; row < rows; row++) {
    const planted = browsing[row];
    if (planted.services.length > 0) clientsWithBrowsing++;
    for (let i = 0; i < planted.services.length; i++) browsed[planted.services[i]] = 1;
    for (let i = test.ptr[row]; i < test.ptr[row + 1]; i++) browsedHeldOut += browsed[test.items[i]];
    for (let i = 0; i < planted.services.length; i++) browsed[planted.services[i]] = 0;
  }
  return {
    without: evaluateVariant(train, test, model, options, now, null),
    with: evaluateVariant(train, test, model, options, now, browsing),
    clientsWithBrowsing,
    browsedHeldOut,
    heldOut: test.items.length,
    halfLifeDays: options.halfLifeDays,
  };
}

const BUCKETS = 10;

function evaluateVariant(
  train: Dataset,
  test: HeldOut,
  model: RecommenderModel,
  options: InterestEvalOptions,
  now: number,
  browsing: BrowsingInterest[] | null,
): InterestVariantResult {
  const { k } = options;
  const metrics = new MetricsAccumulator(k, train.nServices);
  const relevant = new Uint8Array(train.nServices);
  const isRelevant = (item: number) => relevant[item] === 1;
  const bucketCount = new Float64Array(BUCKETS);
  const bucketRating = new Float64Array(BUCKETS);
  const bucketTaken = new Float64Array(BUCKETS);
  let withBrowsingReason = 0;
  for (let row = 0; row < train.clients.count; row++) {
    const start = test.ptr[row];
    const end = test.ptr[row + 1];
    if (start === end) continue;
    for (let i = start; i < end; i++) relevant[test.items[i]] = 1;
    const ranked = scoreClient(model, datasetClient(train, row), {
      now,
      limit: k,
      declineCooldownMs: Number.POSITIVE_INFINITY,
      reasons: browsing !== null,
      interest: browsing ? browsing[row] : undefined,
      interestHalfLifeDays: options.halfLifeDays,
    });
    metrics.add(
      ranked.map((r) => r.service),
      isRelevant,
      end - start,
    );
    for (const recommendation of ranked) {
      const bucket = Math.min(BUCKETS - 1, Math.floor(recommendation.rating / (100 / BUCKETS)));
      bucketCount[bucket]++;
      bucketRating[bucket] += recommendation.rating;
      bucketTaken[bucket] += relevant[recommendation.service];
      if (recommendation.reasons.some((reason) => reason.kind === "browsing_interest")) withBrowsingReason++;
    }
    for (let i = start; i < end; i++) relevant[test.items[i]] = 0;
  }
  let samples = 0;
  let ratingSum = 0;
  let takenSum = 0;
  for (let b = 0; b < BUCKETS; b++) {
    samples += bucketCount[b];
    ratingSum += bucketRating[b];
    takenSum += bucketTaken[b];
  }
  let ece = 0;
  for (let b = 0; b < BUCKETS; b++) {
    if (bucketCount[b] === 0) continue;
    ece +=
      (bucketCount[b] / samples) * Math.abs(bucketRating[b] / bucketCount[b] - (100 * bucketTaken[b]) / bucketCount[b]);
  }
  const summary = metrics.summary();
  return {
    ndcg: summary.ndcg,
    hit: summary.hit,
    precision: summary.precision,
    recall: summary.recall,
    ece,
    meanRating: samples > 0 ? ratingSum / samples : 0,
    observedRate: samples > 0 ? (100 * takenSum) / samples : 0,
    samples,
    withBrowsingReason,
  };
}

/** The eval's printout of the comparison. */
export function printInterestEvaluation(result: InterestEvaluation, k: number): void {
  console.log("");
  console.log(
    `browsing interests (planted): ${result.clientsWithBrowsing} clients browsed; ${result.browsedHeldOut} of ` +
      `${result.heldOut} held-out positives browsed beforehand, plus noise; half-life ${result.halfLifeDays} days`,
  );
  const header = [
    "hybrid".padEnd(22),
    `P@${k}`.padStart(8),
    `R@${k}`.padStart(8),
    `NDCG@${k}`.padStart(8),
    `Hit@${k}`.padStart(8),
  ].join(" ");
  console.log(header);
  console.log("-".repeat(header.length));
  for (const [label, r] of [
    ["without interests", result.without],
    ["with interests", result.with],
  ] as const) {
    console.log(
      [
        label.padEnd(22),
        r.precision.toFixed(4).padStart(8),
        r.recall.toFixed(4).padStart(8),
        r.ndcg.toFixed(4).padStart(8),
        r.hit.toFixed(4).padStart(8),
      ].join(" "),
    );
  }
  for (const [label, r] of [
    ["without interests", result.without],
    ["with interests", result.with],
  ] as const) {
    console.log(
      `calibration of the top-${k} ratings against held-out take-up, ${label}: ECE ${r.ece.toFixed(1)} pts, ` +
        `mean rating ${r.meanRating.toFixed(1)}, taken ${r.observedRate.toFixed(1)}% (${r.samples} recommendations)` +
        (label === "with interests" ? `; ${r.withBrowsingReason} carry a "browsed" reason` : ""),
    );
  }
}
