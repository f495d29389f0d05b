/**
 * Blend and calibration: the part scores of a (client, service) pair become one rating 0–100
 * that reads as the probability, in percent, that the client accepts the service.
 *
 *   rating = 100 · σ(intercept + Σ_part weight_part · f_part(part))
 *
 * with fixed, monotone feature transforms f:
 *   item        the item-part sum Σ_{j used} w(s,j) + β·Σ_{j declined, w > 0} w(s,j) itself (w: EASE
 *               weight, negative when j speaks against s, or kNN similarity; β = config.declineWeight)
 *   group       lift of the nearest reference groups: logit(group rate) − logit(overall rate)
 *   link        the business-link strength 1 − Π(1 − w) over the client's services, 0..1
 *   segment     lift of the client's segment (age band × income band): logit(segment rate) − logit(overall rate)
 *   popularity  logit of the overall take-up rate
 *   activity    log1p of the number of services the client uses: the same for every service of one
 *               client, so it never changes a client's ranking, but active clients accept more
 *               offers and the fit needs it to keep the other weights about the service
 *
 * Group and segment enter as lifts over overall popularity ("similar clients take it more than
 * clients in general"): the item-kNN sum already favours popular services, and with lifts the fit
 * can correct for that while every weight stays non-negative.
 *
 * The weights are fitted on recorded deals (accepted vs declined offers with the part scores of the
 * time) by L2-regularised logistic regression under the constraint weight >= 0 (projected Newton,
 * deterministic). Non-negative weights and monotone transforms make the rating monotone in every
 * feature above — the item-kNN sum, the group and segment lifts, the link strength, overall
 * popularity (at equal lifts) and activity: more evidence never lowers it. Until MIN_DEALS_FOR_FIT deals with at least
 * MIN_DEALS_PER_CLASS of each outcome exist, DEFAULT_BLEND is used.
 */

/** The parts, in feature order. */
export const PART_NAMES = ["item", "group", "link", "segment", "popularity", "activity"] as const;
export type PartName = (typeof PART_NAMES)[number];
export const PART_COUNT = PART_NAMES.length;

/** Raw part scores of one (client, service) pair: what to store with a lead so that its deal can train the blend. */
export interface PartScores {
  /** Item-part sum over s's kept neighbours j the client used (declined ones weighted β, positive weights only); unbounded, negative when EASE's weights speak against s. */
  item: number;
  /** Take-up rate (0..1) among the client's nearest reference groups. */
  group: number;
  /** Business-link strength 0..1. */
  link: number;
  /** Take-up rate (0..1) in the client's segment. */
  segment: number;
  /** Overall take-up rate (0..1). */
  popularity: number;
  /** Number of services the client uses. */
  activity: number;
}

/** Logistic blend: intercept plus one non-negative weight per part (on the transformed scale). */
export interface BlendWeights {
  intercept: number;
  item: number;
  group: number;
  link: number;
  segment: number;
  popularity: number;
  activity: number;
}

/**
 * Weights used until enough deals exist: the mean, rounded, of the acceptance blends fitted on the
 * held-out offers of the two demo banks with the EASE item part (`npm run eval -- --data demo` /
 * `--data bank-alt`, "its weights on all held-out offers"; demo: −1.28, item 5.16, group 0.21,
 * link 0, segment 0.26, popularity 0.15; bank-alt: −0.56, 4.18, 0.44, 0.14, 0.18, 0.38). Fitted on
 * accepted and declined offers, so the ratings read as acceptance % before any deal is recorded;
 * the item part (EASE over uses, λ = 0.25) carries most of it, the reference groups and popularity
 * the rest. Real deals then refit it (`fitBlend`) together with the acceptance map.
 */
export const DEFAULT_BLEND: Readonly<BlendWeights> = Object.freeze({
  intercept: -0.9,
  item: 4.7,
  group: 0.3,
  link: 0.07,
  segment: 0.2,
  popularity: 0.25,
  activity: 0,
});

/** Minimum number of deals before the blend is fitted on them. */
export const MIN_DEALS_FOR_FIT = 200;
/** Minimum accepted and minimum declined deals among them. */
export const MIN_DEALS_PER_CLASS = 20;
/** Default L2 penalty (on standardised features). */
export const DEFAULT_L2 = 1;

/** Rates are clamped to [RATE_EPSILON, 1 − RATE_EPSILON] before the logit. */
export const RATE_EPSILON = 1e-4;

/** log(p / (1 − p)) with p clamped away from 0 and 1. */
export function logit(p: number): number {
  const q = Math.min(1 - RATE_EPSILON, Math.max(RATE_EPSILON, p));
  return Math.log(q / (1 - q));
}

/** 1 / (1 + e^−z). */
export function sigmoid(z: number): number {
  return 1 / (1 + Math.exp(-z));
}

/** The transformed feature vector f(parts), in PART_NAMES order. */
export function partFeatures(parts: PartScores, out: Float64Array = new Float64Array(PART_COUNT)): Float64Array {
  const popularity = logit(parts.popularity);
  out[0] = parts.item;
  out[1] = logit(parts.group) - popularity;
  out[2] = parts.link;
  out[3] = logit(parts.segment) - popularity;
  out[4] = popularity;
  out[5] = Math.log1p(Math.max(0, parts.activity));
  return out;
}

/** Rating 0–100 from the blend logit; NaN maps to 0 so that a broken input never ranks high. */
export function ratingFromLogit(z: number): number {
  if (Number.isNaN(z)) return 0;
  return Math.min(100, Math.max(0, 100 * sigmoid(z)));
}

/** Blend logit of transformed features. */
export function blendLogit(blend: BlendWeights, features: Float64Array): number {
  return (
    blend.intercept +
    blend.item * features[0] +
    blend.group * features[1] +
    blend.link * features[2] +
    blend.segment * features[3] +
    blend.popularity * features[4] +
    blend.activity * features[5]
  );
}

/** The rating of raw part scores under a blend. */
export function ratingOf(blend: BlendWeights, parts: PartScores): number {
  return ratingFromLogit(blendLogit(blend, partFeatures(parts)));
}

/**
 * Checks a blend: finite numbers, part weights >= 0.
 * @throws RangeError naming the bad weight.
 */
export function validateBlend(blend: BlendWeights): void {
  if (!Number.isFinite(blend.intercept)) throw new RangeError("blend.intercept must be finite");
  for (const name of PART_NAMES) {
    if (!(Number.isFinite(blend[name]) && blend[name] >= 0)) throw new RangeError(`blend.${name} must be >= 0`);
  }
}

/** One recorded deal: the part scores when the offer was made and whether the client accepted. */
export interface DealSample {
  parts: PartScores;
  accepted: boolean;
}

/** One bucket of the calibration report: predicted ratings in [from, to). */
export interface CalibrationBucket {
  from: number;
  to: number;
  count: number;
  /** Mean predicted rating in the bucket (0–100). */
  meanRating: number;
  /** Observed acceptance in the bucket, in percent (null when the bucket is empty). */
  observedRate: number | null;
}

/** Predicted rating vs observed acceptance, for the retrain report. */
export interface CalibrationReport {
  samples: number;
  accepted: number;
  /** Ten buckets of 10 rating points. */
  buckets: CalibrationBucket[];
  /** Mean negative log-likelihood of the outcomes (lower is better). */
  logLoss: number;
  /** Mean squared error of the probability (lower is better). */
  brierScore: number;
  /** Area under the ROC curve (0.5 = no discrimination); null without both outcomes. */
  auc: number | null;
  /**
   * Expected calibration error in rating points: Σ_buckets (count / samples)·|mean rating − observed
   * acceptance| over the ten buckets (0 = every bucket's ratings match what its clients did).
   */
  ece: number;
  /** True when the ratings are out-of-fold predictions (5-fold cross-validation of the fit). */
  crossValidated: boolean;
}

/** Builds the calibration report of predicted ratings (0–100) against outcomes. */
export function calibrationReport(
  ratings: ArrayLike<number>,
  accepted: ArrayLike<boolean>,
  crossValidated: boolean,
): CalibrationReport {
  const buckets: CalibrationBucket[] = [];
  const count = new Float64Array(10);
  const sumRating = new Float64Array(10);
  const positives = new Float64Array(10);
  let logLoss = 0;
  let brier = 0;
  let acceptedCount = 0;
  for (let i = 0; i < ratings.length; i++) {
    const rating = ratings[i];
    const bucket = Math.min(9, Math.max(0, Math.floor(rating / 10)));
    count[bucket]++;
    sumRating[bucket] += rating;
    const p = Math.min(1 - 1e-12, Math.max(1e-12, rating / 100));
    if (accepted[i]) {
      positives[bucket]++;
      acceptedCount++;
      logLoss -= Math.log(p);
      brier += (1 - p) * (1 - p);
    } else {
      logLoss -= Math.log(1 - p);
      brier += p * p;
    }
  }
  for (let b = 0; b < 10; b++) {
    buckets.push({
      from: b * 10,
      to: b * 10 + 10,
      count: count[b],
      meanRating: count[b] > 0 ? sumRating[b] / count[b] : 0,
      observedRate: count[b] > 0 ? (100 * positives[b]) / count[b] : null,
    });
  }
  const n = ratings.length;
  return {
    samples: n,
    accepted: acceptedCount,
    buckets,
    logLoss: n > 0 ? logLoss / n : 0,
    brierScore: n > 0 ? brier / n : 0,
    auc: areaUnderRoc(ratings, accepted),
    ece: expectedCalibrationError(buckets, n),
    crossValidated,
  };
}

/** ECE in rating points from the buckets of a report (0 without samples). */
export function expectedCalibrationError(buckets: readonly CalibrationBucket[], samples: number): number {
  if (samples <= 0) return 0;
  let total = 0;
  for (const bucket of buckets) {
    if (bucket.count === 0 || bucket.observedRate === null) continue;
    total += (bucket.count / samples) * Math.abs(bucket.meanRating - bucket.observedRate);
  }
  return total;
}

/** ROC AUC by the rank-sum statistic (ties count half). */
function areaUnderRoc(scores: ArrayLike<number>, labels: ArrayLike<boolean>): number | null {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a] - scores[b]);
  let positives = 0;
  let rankSum = 0;
  for (let i = 0; i < n; ) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1]] === scores[order[i]]) j++;
    const averageRank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) {
      if (labels[order[t]]) {
        positives++;
        rankSum += averageRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return null;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Outcome of `fitBlend`. */
export interface BlendFit {
  blend: BlendWeights;
  /** "deals" when fitted, "default" when there were too few deals. */
  source: "deals" | "default";
  samples: number;
  accepted: number;
  /** Why the defaults were used, or how the fit went, in plain words. */
  note: string;
  /** Out-of-fold calibration of the fit, or of the defaults on the deals so far (null without deals). */
  report: CalibrationReport | null;
  /**
   * Out-of-fold blend logit of every deal (fold i % OUT_OF_FOLD_FOLDS), in deal order, when fitted;
   * what an acceptance map is fitted on without reusing the deals the blend learnt from.
   */
  outOfFoldLogits: Float64Array | null;
}

/** Interleaved folds of the out-of-fold report: deal i is in fold i % OUT_OF_FOLD_FOLDS. */
export const OUT_OF_FOLD_FOLDS = 5;

/** Options of the logistic fit. */
export interface FitOptions {
  /** L2 penalty on the standardised part weights (default DEFAULT_L2). */
  l2?: number;
  /** Blend to fall back to (default DEFAULT_BLEND). */
  fallback?: BlendWeights;
  /** Minimum deals (default MIN_DEALS_FOR_FIT) and minimum per outcome (default MIN_DEALS_PER_CLASS). */
  minDeals?: number;
  minPerClass?: number;
}

/**
 * Fits the blend on recorded deals, or returns the fallback with the reason when there are too few.
 * Deterministic: same deals in the same order, same weights.
 */
export function fitBlend(deals: readonly DealSample[], options: FitOptions = {}): BlendFit {
  const fallback = options.fallback ?? DEFAULT_BLEND;
  const minDeals = options.minDeals ?? MIN_DEALS_FOR_FIT;
  const minPerClass = options.minPerClass ?? MIN_DEALS_PER_CLASS;
  const l2 = options.l2 ?? DEFAULT_L2;
  validateBlend(fallback);
  const n = deals.length;
  const features = new Float64Array(n * PART_COUNT);
  const labels = new Uint8Array(n);
  const scratch = new Float64Array(PART_COUNT);
  let acceptedCount = 0;
  for (let i = 0; i < n; i++) {
    partFeatures(deals[i].parts, scratch);
    for (let f = 0; f < PART_COUNT; f++) {
      if (!Number.isFinite(scratch[f])) throw new RangeError(`deal ${i}: part ${PART_NAMES[f]} is not a finite number`);
      features[i * PART_COUNT + f] = scratch[f];
    }
    labels[i] = deals[i].accepted ? 1 : 0;
    acceptedCount += labels[i];
  }
  const outcomes = Array.from(labels, (v) => v === 1);
  const declinedCount = n - acceptedCount;
  if (n < minDeals || acceptedCount < minPerClass || declinedCount < minPerClass) {
    const ratings = new Float64Array(n);
    for (let i = 0; i < n; i++) ratings[i] = ratingFromLogit(blendLogit(fallback, features.subarray(i * PART_COUNT)));
    return {
      blend: { ...fallback },
      source: "default",
      samples: n,
      accepted: acceptedCount,
      note:
        `default blend: ${n} deals (${acceptedCount} accepted, ${declinedCount} declined); ` +
        `fitting needs ${minDeals} with at least ${minPerClass} of each outcome`,
      report: n > 0 ? calibrationReport(ratings, outcomes, false) : null,
      outOfFoldLogits: null,
    };
  }
  const blend = fitLogistic(features, labels, n, l2, null);
  // Out-of-fold predictions (5 interleaved folds) make the report honest about calibration.
  const folds = OUT_OF_FOLD_FOLDS;
  const oof = new Float64Array(n);
  const oofLogits = new Float64Array(n);
  const mask = new Uint8Array(n);
  for (let fold = 0; fold < folds; fold++) {
    for (let i = 0; i < n; i++) mask[i] = i % folds === fold ? 0 : 1;
    const foldBlend = fitLogistic(features, labels, n, l2, mask);
    for (let i = fold; i < n; i += folds) {
      oofLogits[i] = blendLogit(foldBlend, features.subarray(i * PART_COUNT));
      oof[i] = ratingFromLogit(oofLogits[i]);
    }
  }
  return {
    blend,
    source: "deals",
    samples: n,
    accepted: acceptedCount,
    note: `fitted on ${n} deals (${acceptedCount} accepted, ${declinedCount} declined)`,
    report: calibrationReport(oof, outcomes, true),
    outOfFoldLogits: oofLogits,
  };
}

/**
 * L2-regularised logistic regression with non-negative part weights by projected Newton steps on
 * standardised features with a backtracking line search. `include` (optional) selects the rows.
 */
function fitLogistic(
  features: Float64Array,
  labels: Uint8Array,
  n: number,
  l2: number,
  include: Uint8Array | null,
): BlendWeights {
  const F = PART_COUNT;
  const D = F + 1; // intercept first
  const mean = new Float64Array(F);
  const scale = new Float64Array(F);
  let rows = 0;
  let positives = 0;
  for (let i = 0; i < n; i++) {
    if (include && !include[i]) continue;
    rows++;
    positives += labels[i];
    for (let f = 0; f < F; f++) mean[f] += features[i * F + f];
  }
  for (let f = 0; f < F; f++) mean[f] /= rows;
  for (let i = 0; i < n; i++) {
    if (include && !include[i]) continue;
    for (let f = 0; f < F; f++) {
      const d = features[i * F + f] - mean[f];
      scale[f] += d * d;
    }
  }
  const frozen = new Uint8Array(D);
  for (let f = 0; f < F; f++) {
    scale[f] = Math.sqrt(scale[f] / rows);
    if (!(scale[f] > 1e-12)) {
      scale[f] = 1;
      frozen[f + 1] = 1; // a constant feature carries no information: its weight stays 0
    }
  }
  // Standardised design matrix with the intercept column first, built once per fit.
  const X = new Float64Array(n * D);
  for (let i = 0; i < n; i++) {
    if (include && !include[i]) continue;
    X[i * D] = 1;
    for (let f = 0; f < F; f++) X[i * D + f + 1] = (features[i * F + f] - mean[f]) / scale[f];
  }
  const w = new Float64Array(D);
  const rate = Math.min(1 - 1e-6, Math.max(1e-6, positives / rows));
  w[0] = Math.log(rate / (1 - rate));
  const loss = (weights: Float64Array) => {
    let total = 0;
    for (let i = 0; i < n; i++) {
      if (include && !include[i]) continue;
      let z = 0;
      for (let d = 0; d < D; d++) z += weights[d] * X[i * D + d];
      // log(1 + e^z) − y·z, computed without overflow
      total += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - labels[i] * z;
    }
    for (let d = 1; d < D; d++) total += 0.5 * l2 * weights[d] * weights[d];
    return total;
  };
  const gradient = new Float64Array(D);
  const hessian = new Float64Array(D * D);
  const step = new Float64Array(D);
  const trial = new Float64Array(D);
  const xi = new Float64Array(D);
  let current = loss(w);
  let converged = false;
  for (let iteration = 0; iteration < 100 && !converged; iteration++) {
    gradient.fill(0);
    hessian.fill(0);
    for (let i = 0; i < n; i++) {
      if (include && !include[i]) continue;
      let z = 0;
      for (let d = 0; d < D; d++) {
        xi[d] = X[i * D + d];
        z += w[d] * xi[d];
      }
      const p = 1 / (1 + Math.exp(-z));
      const r = p - labels[i];
      const h = p * (1 - p);
      for (let d = 0; d < D; d++) {
        gradient[d] += r * xi[d];
        for (let e = d; e < D; e++) hessian[d * D + e] += h * xi[d] * xi[e];
      }
    }
    for (let d = 1; d < D; d++) {
      gradient[d] += l2 * w[d];
      hessian[d * D + d] += l2;
    }
    for (let d = 0; d < D; d++) for (let e = 0; e < d; e++) hessian[d * D + e] = hessian[e * D + d];
    // Free variables: the intercept, and weights that are positive or that the gradient pushes up.
    const free: number[] = [];
    for (let d = 0; d < D; d++) {
      if (frozen[d]) continue;
      if (d === 0 || w[d] > 0 || gradient[d] < 0) free.push(d);
    }
    step.fill(0);
    solveSubsystem(hessian, gradient, free, D, step);
    // Newton decrement: the predicted decrease of the loss; below rounding level there is nothing left.
    let decrement = 0;
    for (let d = 0; d < D; d++) decrement -= gradient[d] * step[d];
    if (!(decrement > 1e-10 * Math.max(1, Math.abs(current)))) break;
    let t = 1;
    let accepted = false;
    for (let attempt = 0; attempt < 30; attempt++) {
      for (let d = 0; d < D; d++) trial[d] = d === 0 ? w[d] + t * step[d] : Math.max(0, w[d] + t * step[d]);
      const next = loss(trial);
      if (next < current) {
        accepted = true;
        let moved = 0;
        for (let d = 0; d < D; d++) moved = Math.max(moved, Math.abs(trial[d] - w[d]));
        w.set(trial);
        const improvement = current - next;
        current = next;
        converged = moved < 1e-9 || improvement < 1e-10 * Math.max(1, Math.abs(current));
        break;
      }
      t /= 2;
    }
    if (!accepted) break;
  }
  // Back to the raw feature scale: w_raw = w_std / scale, intercept absorbs the centring.
  const blend: BlendWeights = { intercept: w[0], item: 0, group: 0, link: 0, segment: 0, popularity: 0, activity: 0 };
  for (let f = 0; f < F; f++) {
    const raw = w[f + 1] / scale[f];
    blend[PART_NAMES[f]] = raw;
    blend.intercept -= raw * mean[f];
  }
  return blend;
}

/** Solves H[free, free] · s[free] = −g[free] by Gaussian elimination with partial pivoting. */
function solveSubsystem(hessian: Float64Array, gradient: Float64Array, free: number[], D: number, out: Float64Array) {
  const m = free.length;
  if (m === 0) return;
  const a = new Float64Array(m * (m + 1));
  for (let r = 0; r < m; r++) {
    for (let c = 0; c < m; c++) a[r * (m + 1) + c] = hessian[free[r] * D + free[c]];
    a[r * (m + 1) + m] = -gradient[free[r]];
  }
  for (let col = 0; col < m; col++) {
    let pivot = col;
    for (let r = col + 1; r < m; r++) {
      if (Math.abs(a[r * (m + 1) + col]) > Math.abs(a[pivot * (m + 1) + col])) pivot = r;
    }
    if (Math.abs(a[pivot * (m + 1) + col]) < 1e-15) continue;
    if (pivot !== col) {
      for (let c = 0; c <= m; c++) {
        const t = a[col * (m + 1) + c];
        a[col * (m + 1) + c] = a[pivot * (m + 1) + c];
        a[pivot * (m + 1) + c] = t;
      }
    }
    for (let r = 0; r < m; r++) {
      if (r === col) continue;
      const factor = a[r * (m + 1) + col] / a[col * (m + 1) + col];
      if (factor === 0) continue;
      for (let c = col; c <= m; c++) a[r * (m + 1) + c] -= factor * a[col * (m + 1) + c];
    }
  }
  for (let r = 0; r < m; r++) {
    const diagonal = a[r * (m + 1) + r];
    out[free[r]] = Math.abs(diagonal) < 1e-15 ? 0 : a[r * (m + 1) + m] / diagonal;
  }
}
