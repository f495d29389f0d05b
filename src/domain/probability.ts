/**
 * Probability distributions and small-sample tests used by the experiment, calibration and
 * threshold reports. Pure TypeScript with no dependencies, identical in Node and workerd.
 *
 * Accuracy: the special functions (special-functions.ts) reach ~1e-14 relative accuracy over the
 * ranges a report needs; the quantile functions are refined on the exact distribution functions,
 * so they are as accurate as those.
 * Formulas are documented in docs/experiments.md.
 */

import {
  DOUBLE_EPSILON,
  logBeta,
  regularizedBetaPair,
  regularizedGammaP,
  regularizedGammaQ,
  SQRT_2PI,
} from "./special-functions";

export { logBeta, logGamma, regularizedBeta, regularizedGammaP, regularizedGammaQ } from "./special-functions";

/**
 * Complementary error function erfc(x) = 1 − erf(x), via erfc(x) = Q(½, x²) for x ≥ 0, which keeps
 * full relative accuracy deep in the tail (erfc(10) ≈ 2.1e-45).
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return Number.NaN;
  if (x >= 0) return regularizedGammaQ(0.5, x * x);
  return 1 + regularizedGammaP(0.5, x * x);
}

/** Standard normal cumulative distribution function Φ(z). */
export function normalCdf(z: number): number {
  return 0.5 * erfc(-z / Math.SQRT2);
}

/** Standard normal density φ(z). */
export function normalPdf(z: number): number {
  return Math.exp(-0.5 * z * z) / SQRT_2PI;
}

/** Two-sided p-value of a standard normal statistic: P(|Z| ≥ |z|) = erfc(|z|/√2). */
export function normalTwoSidedPValue(z: number): number {
  return erfc(Math.abs(z) / Math.SQRT2);
}

// Acklam's rational approximation of Φ⁻¹ (relative error < 1.15e-9), refined below by one Halley
// step on the exact Φ, which brings it to full double precision.
const ACKLAM_A = [
  -3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1,
  2.506628277459239,
];
const ACKLAM_B = [
  -5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1,
];
const ACKLAM_C = [
  -7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968,
  2.938163982698783,
];
const ACKLAM_D = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
const ACKLAM_LOW = 0.02425;

function acklamLowerHalf(p: number): number {
  if (p < ACKLAM_LOW) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (
      (((((ACKLAM_C[0] * q + ACKLAM_C[1]) * q + ACKLAM_C[2]) * q + ACKLAM_C[3]) * q + ACKLAM_C[4]) * q + ACKLAM_C[5]) /
      ((((ACKLAM_D[0] * q + ACKLAM_D[1]) * q + ACKLAM_D[2]) * q + ACKLAM_D[3]) * q + 1)
    );
  }
  const q = p - 0.5;
  const r = q * q;
  return (
    ((((((ACKLAM_A[0] * r + ACKLAM_A[1]) * r + ACKLAM_A[2]) * r + ACKLAM_A[3]) * r + ACKLAM_A[4]) * r + ACKLAM_A[5]) *
      q) /
    (((((ACKLAM_B[0] * r + ACKLAM_B[1]) * r + ACKLAM_B[2]) * r + ACKLAM_B[3]) * r + ACKLAM_B[4]) * r + 1)
  );
}

/**
 * Standard normal quantile Φ⁻¹(p) for 0 ≤ p ≤ 1 (±Infinity at the ends).
 * @throws RangeError when p is outside [0, 1] or NaN.
 */
export function normalQuantile(p: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`normalQuantile needs 0 <= p <= 1, got ${p}`);
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  // 1 − p is exact for p ≥ ½, so working on the lower half loses nothing and keeps Φ⁻¹ odd.
  if (p > 0.5) return -normalQuantile(1 - p);
  let x = acklamLowerHalf(p);
  for (let step = 0; step < 2; step++) {
    const error = normalCdf(x) - p;
    const u = error * SQRT_2PI * Math.exp(0.5 * x * x);
    const next = x - u / (1 + 0.5 * x * u);
    if (!Number.isFinite(next)) break;
    x = next;
  }
  return x;
}

function checkDegreesOfFreedom(df: number): void {
  if (!(df > 0)) throw new RangeError(`degrees of freedom must be > 0, got ${df}`);
}

/**
 * From this many degrees of freedom on, t is handled through the Cornish–Fisher expansion around the
 * normal (Abramowitz & Stegun 26.7.5, four terms, error O(ν⁻⁵) — below 1e-15 here), which is more
 * accurate than the incomplete-beta continued fraction whose term count and rounding grow with √ν.
 * Beyond |t| = 40 the expansion is not used, but there the tail underflows at these df anyway.
 */
const CORNISH_FISHER_MIN_DF = 1e5;
const CORNISH_FISHER_MAX_T = 40;

/** t = z + g₁(z)/ν + g₂(z)/ν² + g₃(z)/ν³ + g₄(z)/ν⁴. */
function cornishFisherT(z: number, df: number): number {
  const z2 = z * z;
  const g1 = (z * (z2 + 1)) / 4;
  const g2 = (z * ((5 * z2 + 16) * z2 + 3)) / 96;
  const g3 = (z * (((3 * z2 + 19) * z2 + 17) * z2 - 15)) / 384;
  const g4 = (z * ((((79 * z2 + 776) * z2 + 1482) * z2 - 1920) * z2 - 945)) / 92160;
  return z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df;
}

/** The z whose Cornish–Fisher t is `t` (Newton with the first-order derivative; contracts fast). */
function cornishFisherZ(t: number, df: number): number {
  let z = t - (t * (t * t + 1)) / (4 * df);
  for (let iteration = 0; iteration < 30; iteration++) {
    const step = (cornishFisherT(z, df) - t) / (1 + (3 * z * z + 1) / (4 * df));
    z -= step;
    if (Math.abs(step) <= DOUBLE_EPSILON * Math.max(1, Math.abs(z))) break;
  }
  return z;
}

/**
 * Upper tail P(T ≥ t) of Student's t with `df` degrees of freedom, for t ≥ 0:
 * ½ · I_{ν/(ν+t²)}(ν/2, ½).
 */
function studentTUpperTail(t: number, df: number): number {
  if (t === Number.POSITIVE_INFINITY) return 0;
  if (df === Number.POSITIVE_INFINITY) return 0.5 * erfc(t / Math.SQRT2);
  if (df >= CORNISH_FISHER_MIN_DF && t <= CORNISH_FISHER_MAX_T) {
    return 0.5 * erfc(cornishFisherZ(t, df) / Math.SQRT2);
  }
  const t2 = t * t;
  const denominator = df + t2;
  return 0.5 * regularizedBetaPair(df / denominator, t2 / denominator, df / 2, 0.5);
}

/**
 * Cumulative distribution function of Student's t with `df` > 0 degrees of freedom (non-integer df
 * allowed, as Welch–Satterthwaite produces; df = Infinity is the standard normal).
 * @throws RangeError when df ≤ 0.
 */
export function studentTCdf(t: number, df: number): number {
  checkDegreesOfFreedom(df);
  if (Number.isNaN(t)) return Number.NaN;
  return t >= 0 ? 1 - studentTUpperTail(t, df) : studentTUpperTail(-t, df);
}

/** Two-sided p-value P(|T| ≥ |t|) of Student's t with `df` degrees of freedom. */
export function studentTTwoSidedPValue(t: number, df: number): number {
  checkDegreesOfFreedom(df);
  return Math.min(1, 2 * studentTUpperTail(Math.abs(t), df));
}

/** Density of Student's t. */
export function studentTPdf(t: number, df: number): number {
  checkDegreesOfFreedom(df);
  if (df === Number.POSITIVE_INFINITY) return normalPdf(t);
  // f(t) = (1 + t²/ν)^(−(ν+1)/2) / (√ν · B(ν/2, ½))
  const logDensity = -0.5 * Math.log(df) - logBeta(df / 2, 0.5) - ((df + 1) / 2) * Math.log1p((t * t) / df);
  return Math.exp(logDensity);
}

/**
 * Hill's approximation (CACM Algorithm 396, 1970) of the positive t quantile whose upper tail is
 * `tail` (< ½). Used only as the starting point of the exact refinement below.
 */
function hillStartingPoint(tail: number, df: number): number {
  const twoSided = 2 * tail;
  const a = 1 / (df - 0.5);
  const b = 48 / (a * a);
  let c = (((20700 * a) / b - 98) * a - 16) * a + 96.36;
  const d = ((94.5 / (b + c) - 3) / b + 1) * Math.sqrt((a * Math.PI) / 2) * df;
  let y = (d * twoSided) ** (2 / df);
  if (y > 0.05 + a) {
    // Asymptotic inverse expansion about the normal quantile.
    const x = normalQuantile(0.5 * twoSided);
    y = x * x;
    if (df < 5) c += 0.3 * (df - 4.5) * (x + 0.6);
    c = (((0.05 * d * x - 5) * x - 7) * x - 2) * x + b + c;
    y = (((((0.4 * y + 6.3) * y + 36) * y + 94.5) / c - y - 3) / b + 1) * x;
    y = Math.expm1(a * y * y);
  } else {
    y =
      ((1 / (((df + 6) / (df * y) - 0.089 * d - 0.822) * (df + 2) * 3) + 0.5 / (df + 4)) * y - 1) *
        ((df + 1) / (df + 2)) +
      1 / y;
  }
  return Math.sqrt(df * y);
}

/**
 * Positive t with upper tail `tail` ∈ (0, ½): Newton steps on the exact tail, safeguarded by a
 * bracket that bisection falls back on whenever a step leaves it.
 */
function studentTUpperQuantile(tail: number, df: number): number {
  let guess = df > 1 ? hillStartingPoint(tail, df) : Number.NaN;
  if (!Number.isFinite(guess) || guess <= 0) guess = Math.max(normalQuantile(1 - tail), 1);
  // Bracket [low, high] with tail(low) ≥ target ≥ tail(high).
  let low = 0;
  let high = guess;
  while (studentTUpperTail(high, df) > tail) {
    low = high;
    high *= 2;
    if (!Number.isFinite(high)) return Number.MAX_VALUE;
  }
  let t = guess;
  for (let iteration = 0; iteration < 200; iteration++) {
    const excess = studentTUpperTail(t, df) - tail;
    if (excess === 0) return t;
    if (excess > 0) low = t;
    else high = t;
    let next = t + excess / studentTPdf(t, df);
    if (!(next > low && next < high)) next = 0.5 * (low + high);
    if (Math.abs(next - t) <= 4 * DOUBLE_EPSILON * Math.max(1, Math.abs(next))) return next;
    if (high - low <= 4 * DOUBLE_EPSILON * Math.max(1, high)) return next;
    t = next;
  }
  return t;
}

/**
 * Quantile (inverse CDF) of Student's t with `df` > 0 degrees of freedom, non-integer df allowed.
 * Exact closed forms for df = 1 (Cauchy) and df = 2; otherwise Hill's approximation refined by
 * safeguarded Newton iterations on the regularized incomplete beta, so the result matches the
 * exact quantile to ~1e-12 relative.
 * @throws RangeError when p is outside [0, 1] or df ≤ 0.
 */
export function studentTQuantile(p: number, df: number): number {
  if (!(p >= 0 && p <= 1)) throw new RangeError(`studentTQuantile needs 0 <= p <= 1, got ${p}`);
  checkDegreesOfFreedom(df);
  if (p === 0) return Number.NEGATIVE_INFINITY;
  if (p === 1) return Number.POSITIVE_INFINITY;
  if (p === 0.5) return 0;
  if (df === Number.POSITIVE_INFINITY) return normalQuantile(p);
  if (df >= CORNISH_FISHER_MIN_DF) return cornishFisherT(normalQuantile(p), df);
  // Cauchy: tan(π(p − ½)) written as −cot(πp) so that p near 0 or 1 keeps its digits.
  if (df === 1) return p < 0.5 ? -1 / Math.tan(Math.PI * p) : 1 / Math.tan(Math.PI * (1 - p));
  if (df === 2) return (2 * p - 1) / Math.sqrt(2 * p * (1 - p));
  const upper = p > 0.5;
  const tail = upper ? 1 - p : p;
  const magnitude = studentTUpperQuantile(tail, df);
  return upper ? magnitude : -magnitude;
}

/**
 * Cumulative distribution function of the chi-square distribution: P(df/2, x/2).
 * @throws RangeError when df ≤ 0.
 */
export function chiSquareCdf(x: number, df: number): number {
  checkDegreesOfFreedom(df);
  if (Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 0;
  return regularizedGammaP(df / 2, x / 2);
}

/**
 * Upper tail P(X² ≥ x) of the chi-square distribution, Q(df/2, x/2), accurate for tiny p-values.
 * For df = 1 this equals erfc(√(x/2)), the two-sided normal p-value of √x.
 * @throws RangeError when df ≤ 0.
 */
export function chiSquareSurvival(x: number, df: number): number {
  checkDegreesOfFreedom(df);
  if (Number.isNaN(x)) return Number.NaN;
  if (x <= 0) return 1;
  return regularizedGammaQ(df / 2, x / 2);
}

/** A closed interval [low, high]. */
export interface Interval {
  low: number;
  high: number;
}

/**
 * Wilson score interval for a binomial proportion (successes out of trials) at the given confidence
 * level. Unlike the Wald interval it stays inside [0, 1] and is sensible at 0 or n successes.
 * Returns null when there are no trials.
 * @throws RangeError when the counts are not integers with 0 ≤ successes ≤ trials, or the level is
 * outside (0, 1).
 */
export function wilsonInterval(successes: number, trials: number, confidenceLevel = 0.95): Interval | null {
  if (!Number.isInteger(successes) || !Number.isInteger(trials) || successes < 0 || successes > trials) {
    throw new RangeError(`wilsonInterval needs integers 0 <= successes <= trials, got ${successes}/${trials}`);
  }
  const z = twoSidedCriticalValue(confidenceLevel);
  if (trials === 0) return null;
  const p = successes / trials;
  const z2n = (z * z) / trials;
  const center = (p + z2n / 2) / (1 + z2n);
  const halfWidth = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / trials + (z * z) / (4 * trials * trials));
  // Clamp only the rounding residue: mathematically the bounds lie in [0, 1].
  return { low: Math.max(0, center - halfWidth), high: Math.min(1, center + halfWidth) };
}

/**
 * The normal critical value z_{1−α/2} of a two-sided interval at `confidenceLevel` = 1 − α
 * (1.959963984540054 at 0.95).
 * @throws RangeError when the level is outside (0, 1).
 */
export function twoSidedCriticalValue(confidenceLevel: number): number {
  checkConfidenceLevel(confidenceLevel);
  return normalQuantile(1 - (1 - confidenceLevel) / 2);
}

function checkConfidenceLevel(confidenceLevel: number): void {
  if (!(confidenceLevel > 0 && confidenceLevel < 1)) {
    throw new RangeError(`confidence level must be in (0, 1), got ${confidenceLevel}`);
  }
}

/** Size, mean and unbiased (n − 1) variance of a sample. */
export interface SampleSummary {
  n: number;
  mean: number;
  /** Sample variance with the n − 1 denominator; 0 when n < 2. */
  variance: number;
}

/**
 * Summarizes raw values with Welford's one-pass algorithm (no cancellation, no allocation).
 * @throws RangeError when a value is not finite.
 */
export function summarizeSample(values: ArrayLike<number>): SampleSummary {
  let mean = 0;
  let sumSquaredDeviations = 0;
  const n = values.length;
  for (let i = 0; i < n; i++) {
    const value = values[i];
    if (!Number.isFinite(value)) throw new RangeError(`sample value ${i} is not finite: ${value}`);
    const delta = value - mean;
    mean += delta / (i + 1);
    sumSquaredDeviations += delta * (value - mean);
  }
  return { n, mean, variance: n > 1 ? sumSquaredDeviations / (n - 1) : 0 };
}

/**
 * Summary from sufficient statistics (n, Σx, Σx²), as a SQL aggregate returns them. The variance
 * (Σx² − Σx·mean)/(n − 1) loses about log10(mean²/variance) digits to cancellation, which is
 * harmless for spend per client (variance of the order of mean²) but would not be for, say,
 * timestamps; a tiny negative result from rounding is clamped to 0.
 * @throws RangeError when n is not a non-negative integer, a sum is not finite, or Σx² < 0.
 */
export function summaryFromSums(n: number, sum: number, sumOfSquares: number): SampleSummary {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`sample size must be a non-negative integer, got ${n}`);
  if (!Number.isFinite(sum) || !Number.isFinite(sumOfSquares) || sumOfSquares < 0) {
    throw new RangeError(`sums must be finite with a non-negative sum of squares, got Σx=${sum}, Σx²=${sumOfSquares}`);
  }
  if (n === 0) return { n, mean: 0, variance: 0 };
  const mean = sum / n;
  const variance = n > 1 ? Math.max(0, (sumOfSquares - sum * mean) / (n - 1)) : 0;
  return { n, mean, variance };
}

/** Welch's unequal-variance comparison of two means (`treatment` − `control`). */
export interface WelchResult {
  difference: number;
  standardError: number;
  /** Welch–Satterthwaite degrees of freedom (non-integer). */
  degreesOfFreedom: number;
  tStatistic: number;
  /** Two-sided p-value from Student's t with the Welch df. */
  pValue: number;
  /** Two-sided confidence interval of the difference. */
  interval: Interval;
}

/**
 * Welch's t-test and confidence interval for mean(treatment) − mean(control):
 * SE = √(s_t²/n_t + s_c²/n_c), ν = SE⁴ / ((s_t²/n_t)²/(n_t−1) + (s_c²/n_c)²/(n_c−1)),
 * CI = diff ± t_{1−α/2, ν}·SE. Returns null when it is undefined: fewer than two observations in
 * an arm, or both sample variances zero (SE = 0).
 * @throws RangeError when the confidence level is outside (0, 1).
 */
export function welchTest(
  treatment: SampleSummary,
  control: SampleSummary,
  confidenceLevel = 0.95,
): WelchResult | null {
  checkConfidenceLevel(confidenceLevel);
  if (treatment.n < 2 || control.n < 2) return null;
  const treatmentTerm = treatment.variance / treatment.n;
  const controlTerm = control.variance / control.n;
  const variance = treatmentTerm + controlTerm;
  if (!(variance > 0)) return null;
  const standardError = Math.sqrt(variance);
  const degreesOfFreedom =
    (variance * variance) /
    ((treatmentTerm * treatmentTerm) / (treatment.n - 1) + (controlTerm * controlTerm) / (control.n - 1));
  const difference = treatment.mean - control.mean;
  const tStatistic = difference / standardError;
  const critical = studentTQuantile(1 - (1 - confidenceLevel) / 2, degreesOfFreedom);
  return {
    difference,
    standardError,
    degreesOfFreedom,
    tStatistic,
    pValue: studentTTwoSidedPValue(tStatistic, degreesOfFreedom),
    interval: { low: difference - critical * standardError, high: difference + critical * standardError },
  };
}

/** Pearson's chi-square goodness-of-fit test. */
export interface ChiSquareResult {
  statistic: number;
  degreesOfFreedom: number;
  pValue: number;
}

/**
 * Pearson's chi-square goodness of fit of observed category counts against expected shares:
 * X² = Σ (O_i − E_i)² / E_i with E_i = N·share_i, df = k − 1 over the categories with a positive
 * share. Returns null when there is nothing to test (N = 0 or fewer than two such categories).
 * @throws RangeError when the arrays differ in length, a count is negative or not an integer, a
 * share is negative, shares do not sum to 1 (±1e-9), or a count falls in a zero-share category.
 */
export function chiSquareGoodnessOfFit(
  observed: ArrayLike<number>,
  expectedShares: ArrayLike<number>,
): ChiSquareResult | null {
  if (observed.length !== expectedShares.length) {
    throw new RangeError(
      `observed (${observed.length}) and expected shares (${expectedShares.length}) differ in length`,
    );
  }
  let total = 0;
  let shareSum = 0;
  for (let i = 0; i < observed.length; i++) {
    const count = observed[i];
    const share = expectedShares[i];
    if (!Number.isInteger(count) || count < 0) throw new RangeError(`observed count ${i} is not a count: ${count}`);
    if (!(share >= 0)) throw new RangeError(`expected share ${i} must be >= 0, got ${share}`);
    if (share === 0 && count > 0)
      throw new RangeError(`category ${i} has an expected share of 0 but ${count} observations`);
    total += count;
    shareSum += share;
  }
  if (Math.abs(shareSum - 1) > 1e-9) throw new RangeError(`expected shares must sum to 1, got ${shareSum}`);
  let statistic = 0;
  let categories = 0;
  for (let i = 0; i < observed.length; i++) {
    if (expectedShares[i] === 0) continue;
    categories++;
    const expected = total * expectedShares[i];
    const deviation = observed[i] - expected;
    statistic += (deviation * deviation) / expected;
  }
  if (total === 0 || categories < 2) return null;
  const degreesOfFreedom = categories - 1;
  return { statistic, degreesOfFreedom, pValue: chiSquareSurvival(statistic, degreesOfFreedom) };
}
