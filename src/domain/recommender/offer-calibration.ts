/**
 * Calibration on offer outcomes: a rating must read as the probability, in percent, that the client
 * ACCEPTS the offer (what admins set thresholds like 80 on), not the chance that the service shows up
 * among the client's next uses. The ranking blend is fitted to rank take-up (simulated offers); this
 * module fits one more logistic step on real offers of a history — accepted and declined, in time
 * order — from the blend logit z of each offer:
 *
 *   rating = 100 · σ(slope · z + offset),  slope > 0
 *
 * A positive slope is monotone, so the ranking (and every NDCG) is unchanged, and because z is
 * linear in the part features the calibrated rating is again a blend: intercept' = slope·intercept +
 * offset, weight' = slope·weight (still >= 0). Recorded deals of the platform need no extra step:
 * `fitBlend` fits them by logistic regression on acceptance directly.
 */
import type { Dataset } from "../dataset";
import { type BlendWeights, blendLogit, type DealSample, PART_NAMES, partFeatures } from "./calibration";
import { datasetClient } from "./features";
import type { RecommenderModel } from "./model";
import { scoreClient } from "./scoring";
import type { HeldOutOffers } from "./splits";

/**
 * The part scores a model gives to the held-out offers of each client (the scores the offers would
 * have been made with), with their outcomes, for the client rows `includeRow` accepts (default all).
 * Offers of services the model cannot score (used or declined in the training part) are skipped.
 */
export function scoreOffers(
  model: RecommenderModel,
  dataset: Dataset,
  offers: HeldOutOffers,
  now: number,
  includeRow: (row: number) => boolean = () => true,
): DealSample[] {
  const n = model.nServices;
  const eligible = new Uint8Array(n);
  const outcome = new Int8Array(n).fill(-1);
  const deals: DealSample[] = [];
  for (let row = 0; row < dataset.clients.count; row++) {
    const start = offers.ptr[row];
    const end = offers.ptr[row + 1];
    if (start === end || !includeRow(row)) continue;
    for (let i = start; i < end; i++) {
      eligible[offers.items[i]] = 1;
      outcome[offers.items[i]] = offers.accepted[i];
    }
    const ranked = scoreClient(model, datasetClient(dataset, row), {
      now,
      eligible,
      limit: end - start,
      declineCooldownMs: Number.POSITIVE_INFINITY,
      reasons: false,
    });
    for (const recommendation of ranked) {
      deals.push({ parts: recommendation.parts, accepted: outcome[recommendation.service] === 1 });
    }
    for (let i = start; i < end; i++) {
      eligible[offers.items[i]] = 0;
      outcome[offers.items[i]] = -1;
    }
  }
  return deals;
}

/** Slope and offset of the acceptance calibration. */
export interface OfferCalibration {
  slope: number;
  offset: number;
  samples: number;
  accepted: number;
}

/** Smallest slope kept: a fit that finds no (or a reversed) relation keeps the ranking, nearly flat. */
const MIN_SLOPE = 1e-3;

/**
 * Fits σ(slope·z + offset) to the outcomes of offers by Newton steps on the two-parameter logistic
 * likelihood (a tiny L2 of 1e-6 keeps separable data finite). Deterministic.
 * @throws RangeError when there are no offers or only one outcome.
 */
export function fitOfferCalibration(blend: BlendWeights, deals: readonly DealSample[]): OfferCalibration {
  const n = deals.length;
  const z = new Float64Array(n);
  const y = new Uint8Array(n);
  const features = new Float64Array(PART_NAMES.length);
  let positives = 0;
  for (let i = 0; i < n; i++) {
    z[i] = blendLogit(blend, partFeatures(deals[i].parts, features));
    if (!Number.isFinite(z[i])) throw new RangeError(`offer ${i}: the blend logit is not finite`);
    y[i] = deals[i].accepted ? 1 : 0;
    positives += y[i];
  }
  if (positives === 0 || positives === n) {
    throw new RangeError("calibration needs both accepted and declined offers");
  }
  let slope = 1;
  let offset = 0;
  const ridge = 1e-6;
  const loss = (a: number, b: number) => {
    let total = 0.5 * ridge * (a * a + b * b);
    for (let i = 0; i < n; i++) {
      const t = a * z[i] + b;
      total += (t > 0 ? t + Math.log1p(Math.exp(-t)) : Math.log1p(Math.exp(t))) - y[i] * t;
    }
    return total;
  };
  let current = loss(slope, offset);
  for (let iteration = 0; iteration < 100; iteration++) {
    let ga = ridge * slope;
    let gb = ridge * offset;
    let haa = ridge;
    let hab = 0;
    let hbb = ridge;
    for (let i = 0; i < n; i++) {
      const p = 1 / (1 + Math.exp(-(slope * z[i] + offset)));
      const r = p - y[i];
      const h = p * (1 - p);
      ga += r * z[i];
      gb += r;
      haa += h * z[i] * z[i];
      hab += h * z[i];
      hbb += h;
    }
    const determinant = haa * hbb - hab * hab;
    if (!(determinant > 0)) break;
    const stepA = -(hbb * ga - hab * gb) / determinant;
    const stepB = -(haa * gb - hab * ga) / determinant;
    let t = 1;
    let moved = false;
    for (let attempt = 0; attempt < 30; attempt++) {
      const next = loss(slope + t * stepA, offset + t * stepB);
      if (next < current) {
        slope += t * stepA;
        offset += t * stepB;
        moved = current - next > 1e-12 * Math.max(1, current);
        current = next;
        break;
      }
      t /= 2;
    }
    if (!moved) break;
  }
  if (!(slope >= MIN_SLOPE)) {
    // No usable relation: a flat rating at the observed acceptance, ranking kept by the tiny slope.
    slope = MIN_SLOPE;
    let mean = 0;
    for (let i = 0; i < n; i++) mean += z[i];
    mean /= n;
    const rate = positives / n;
    offset = Math.log(rate / (1 - rate)) - slope * mean;
  }
  return { slope, offset, samples: n, accepted: positives };
}

/** The blend whose ratings are σ(slope·z + offset) of the given blend's logit z. */
export function calibrateBlend(blend: BlendWeights, calibration: Pick<OfferCalibration, "slope" | "offset">) {
  const { slope, offset } = calibration;
  if (!(slope > 0 && Number.isFinite(slope) && Number.isFinite(offset))) {
    throw new RangeError("calibration slope must be > 0 and offset finite");
  }
  const calibrated: BlendWeights = { ...blend, intercept: slope * blend.intercept + offset };
  for (const name of PART_NAMES) calibrated[name] = slope * blend[name];
  return calibrated;
}
