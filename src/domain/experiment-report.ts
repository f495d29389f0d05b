/**
 * The uplift report of a control-group experiment: response-rate and spend comparisons with their
 * intervals, and the sample-ratio check. Report objects use snake_case field names because the
 * analytics routes return them as they are (the API's JSON convention). Formulas and their
 * rationale: docs/experiments.md.
 */

import { controlBucketCount } from "./experiments";
import {
  chiSquareGoodnessOfFit,
  type Interval,
  normalTwoSidedPValue,
  type SampleSummary,
  summaryFromSums,
  twoSidedCriticalValue,
  welchTest,
} from "./probability";

// ---------------------------------------------------------------------------------------------
// Report
// ---------------------------------------------------------------------------------------------

/** Sufficient statistics of one arm, as the analytics query aggregates them. */
export interface ArmStats {
  /** Clients assigned to the arm (n). */
  clients: number;
  /** Clients with at least one accepted deal in scope, from any channel (x ≤ n). */
  responders: number;
  /**
   * Σ over the arm's clients of each client's spend (sum of accepted deal amounts in scope, RUB);
   * clients without a deal count as 0. Omit both spend fields when spend is not measured.
   */
  spendSum?: number;
  /** Σ over the arm's clients of the squared per-client spend. */
  spendSumOfSquares?: number;
}

/** Input of {@link experimentReport}. */
export interface ExperimentReportInput {
  /** The planned control share (for the sample-ratio check). */
  holdoutShare: number;
  control: ArmStats;
  treatment: ArmStats;
}

/** Options of {@link experimentReport}. */
export interface ExperimentReportOptions {
  /** Confidence level of every interval; α = 1 − level is the significance level. Default 0.95. */
  confidenceLevel?: number;
  /** p-value below which the sample ratio counts as mismatched. Default 0.001. */
  sampleRatioMismatchThreshold?: number;
}

/** Per-arm figures of the report. */
export interface ArmReport {
  clients: number;
  responders: number;
  /** x / n; null when the arm has no clients. */
  response_rate: number | null;
  /** Σ spend (RUB); null when spend is not measured. */
  spend_total: number | null;
  /** Mean spend per client (zeros included); null when not measured or the arm is empty. */
  spend_per_client: number | null;
  /** Sample standard deviation of spend per client; null when not measured or n < 2. */
  spend_per_client_sd: number | null;
}

/** A point estimate with its two-sided confidence interval; each part null when undefined. */
export interface EstimateWithInterval {
  estimate: number | null;
  ci_low: number | null;
  ci_high: number | null;
}

/** An absolute difference (treatment − control) with its standard error. */
export interface AbsoluteUplift extends EstimateWithInterval {
  standard_error: number | null;
}

/** Response-rate comparison: Wald interval, Katz log interval, pooled two-proportion z-test. */
export interface ResponseRateComparison {
  /** p_t − p_c with the unpooled Wald interval. */
  absolute_uplift: AbsoluteUplift;
  /** p_t / p_c − 1 with the Katz log-ratio interval. */
  relative_uplift: EstimateWithInterval;
  /** Pooled two-proportion z statistic. */
  z_statistic: number | null;
  /** Two-sided p-value of the pooled z-test. */
  p_value: number | null;
  /** p_value < α; null when the test is undefined. */
  significant: boolean | null;
}

/** Spend-per-client comparison: Welch's t interval and test, delta-method relative interval. */
export interface SpendComparison {
  /** m_t − m_c with Welch's interval. */
  absolute_uplift: AbsoluteUplift & { degrees_of_freedom: number | null };
  /** m_t / m_c − 1 with the delta-method log-ratio interval. */
  relative_uplift: EstimateWithInterval;
  t_statistic: number | null;
  p_value: number | null;
  significant: boolean | null;
}

/** Sample-ratio-mismatch check: chi-square goodness of fit of the arm sizes, 1 df. */
export interface SampleRatioCheck {
  expected_control_share: number;
  observed_control_share: number | null;
  chi_square: number | null;
  p_value: number | null;
  /** p_value < threshold: the assignment or the logging is broken and the results are not trustworthy. */
  mismatch: boolean | null;
  threshold: number;
}

/**
 * Overall reading of the response-rate comparison. A sample ratio mismatch overrides the others:
 * when arm sizes contradict the planned split, the comparison itself cannot be trusted.
 */
export type ExperimentVerdict =
  | "treatment_better"
  | "treatment_worse"
  | "no_significant_difference"
  | "insufficient_data"
  | "sample_ratio_mismatch";

/** The full uplift report of one experiment. */
export interface ExperimentReport {
  confidence_level: number;
  /** Significance level α = 1 − confidence_level. */
  alpha: number;
  control: ArmReport;
  treatment: ArmReport;
  response_rate: ResponseRateComparison;
  /** Null when spend is not measured. */
  spend_per_client: SpendComparison | null;
  sample_ratio: SampleRatioCheck;
  verdict: ExperimentVerdict;
  /** Why figures are null or should be read with care, in plain words. */
  notes: string[];
}

const EMPTY_ESTIMATE: EstimateWithInterval = { estimate: null, ci_low: null, ci_high: null };

function checkArm(name: string, arm: ArmStats): void {
  if (!Number.isInteger(arm.clients) || arm.clients < 0) {
    throw new RangeError(`${name}.clients must be a non-negative integer, got ${arm.clients}`);
  }
  if (!Number.isInteger(arm.responders) || arm.responders < 0 || arm.responders > arm.clients) {
    throw new RangeError(`${name}.responders must be an integer within [0, clients], got ${arm.responders}`);
  }
  const hasSum = arm.spendSum !== undefined;
  const hasSquares = arm.spendSumOfSquares !== undefined;
  if (hasSum !== hasSquares) throw new RangeError(`${name}: give both spendSum and spendSumOfSquares, or neither`);
  if (hasSum && !(Number.isFinite(arm.spendSum) && arm.spendSum! >= 0)) {
    throw new RangeError(`${name}.spendSum must be a finite amount >= 0, got ${arm.spendSum}`);
  }
  if (hasSquares && !(Number.isFinite(arm.spendSumOfSquares) && arm.spendSumOfSquares! >= 0)) {
    throw new RangeError(`${name}.spendSumOfSquares must be finite and >= 0, got ${arm.spendSumOfSquares}`);
  }
}

function spendSummary(arm: ArmStats): SampleSummary | null {
  if (arm.spendSum === undefined || arm.spendSumOfSquares === undefined) return null;
  return summaryFromSums(arm.clients, arm.spendSum, arm.spendSumOfSquares);
}

function armReport(arm: ArmStats, spend: SampleSummary | null): ArmReport {
  return {
    clients: arm.clients,
    responders: arm.responders,
    response_rate: arm.clients > 0 ? arm.responders / arm.clients : null,
    spend_total: spend ? arm.spendSum! : null,
    spend_per_client: spend && spend.n > 0 ? spend.mean : null,
    spend_per_client_sd: spend && spend.n > 1 ? Math.sqrt(spend.variance) : null,
  };
}

function interval(estimate: number, bounds: Interval): EstimateWithInterval {
  return { estimate, ci_low: bounds.low, ci_high: bounds.high };
}

/**
 * Log-ratio interval of r = a / b − 1 given the standard error of ln(a / b):
 * exp(ln(a/b) ± z·se) − 1. Both a and b must be positive.
 */
function relativeInterval(ratio: number, logStandardError: number, z: number): EstimateWithInterval {
  const logRatio = Math.log(ratio);
  return interval(ratio - 1, {
    low: Math.exp(logRatio - z * logStandardError) - 1,
    high: Math.exp(logRatio + z * logStandardError) - 1,
  });
}

function compareResponseRates(
  control: ArmStats,
  treatment: ArmStats,
  z: number,
  alpha: number,
  notes: string[],
): ResponseRateComparison {
  const empty: ResponseRateComparison = {
    absolute_uplift: { ...EMPTY_ESTIMATE, standard_error: null },
    relative_uplift: { ...EMPTY_ESTIMATE },
    z_statistic: null,
    p_value: null,
    significant: null,
  };
  if (control.clients === 0 || treatment.clients === 0) return empty;

  const nc = control.clients;
  const nt = treatment.clients;
  const xc = control.responders;
  const xt = treatment.responders;
  const pc = xc / nc;
  const pt = xt / nt;
  const difference = pt - pc;

  // Unpooled (Wald) standard error for the interval: each arm keeps its own variance.
  const unpooledSe = Math.sqrt((pt * (1 - pt)) / nt + (pc * (1 - pc)) / nc);
  const absolute: AbsoluteUplift =
    unpooledSe > 0
      ? {
          estimate: difference,
          ci_low: difference - z * unpooledSe,
          ci_high: difference + z * unpooledSe,
          standard_error: unpooledSe,
        }
      : { estimate: difference, ci_low: null, ci_high: null, standard_error: null };
  if (unpooledSe === 0) {
    notes.push("Response-rate interval undefined: every arm's response rate is 0 or 1 (the Wald standard error is 0).");
  }

  // Katz log interval for the risk ratio: Var(ln RR) = 1/x_t − 1/n_t + 1/x_c − 1/n_c.
  let relative: EstimateWithInterval = { ...EMPTY_ESTIMATE };
  if (xc === 0) {
    notes.push("Relative response uplift undefined: the control arm has no responders.");
  } else if (xt === 0) {
    relative = { estimate: -1, ci_low: null, ci_high: null };
    notes.push("Relative response-uplift interval undefined: the treatment arm has no responders.");
  } else {
    relative = relativeInterval(pt / pc, Math.sqrt(1 / xt - 1 / nt + 1 / xc - 1 / nc), z);
  }

  // Pooled standard error for the test: under H0 both arms share one rate.
  const pooled = (xt + xc) / (nt + nc);
  const pooledSe = Math.sqrt(pooled * (1 - pooled) * (1 / nt + 1 / nc));
  if (!(pooledSe > 0)) {
    notes.push(
      pooled === 0
        ? "Response-rate test undefined: no responders in either arm."
        : "Response-rate test undefined: every client in both arms responded.",
    );
    return { ...empty, absolute_uplift: absolute, relative_uplift: relative };
  }
  const zStatistic = difference / pooledSe;
  const pValue = normalTwoSidedPValue(zStatistic);
  return {
    absolute_uplift: absolute,
    relative_uplift: relative,
    z_statistic: zStatistic,
    p_value: pValue,
    significant: pValue < alpha,
  };
}

function compareSpend(
  control: SampleSummary,
  treatment: SampleSummary,
  confidenceLevel: number,
  z: number,
  alpha: number,
  notes: string[],
): SpendComparison {
  const result: SpendComparison = {
    absolute_uplift: { ...EMPTY_ESTIMATE, standard_error: null, degrees_of_freedom: null },
    relative_uplift: { ...EMPTY_ESTIMATE },
    t_statistic: null,
    p_value: null,
    significant: null,
  };
  if (control.n === 0 || treatment.n === 0) return result;
  const difference = treatment.mean - control.mean;
  result.absolute_uplift.estimate = difference;

  const welch = welchTest(treatment, control, confidenceLevel);
  if (welch === null) {
    notes.push(
      control.n < 2 || treatment.n < 2
        ? "Spend interval undefined: Welch's test needs at least two clients per arm."
        : "Spend interval undefined: spend per client does not vary in either arm (both variances are 0).",
    );
  } else {
    result.absolute_uplift = {
      estimate: welch.difference,
      ci_low: welch.interval.low,
      ci_high: welch.interval.high,
      standard_error: welch.standardError,
      degrees_of_freedom: welch.degreesOfFreedom,
    };
    result.t_statistic = welch.tStatistic;
    result.p_value = welch.pValue;
    result.significant = welch.pValue < alpha;
  }

  // Delta method on ln(m_t / m_c): Var ≈ s_t²/(n_t·m_t²) + s_c²/(n_c·m_c²).
  if (control.mean <= 0) {
    notes.push("Relative spend uplift undefined: the control arm has no spend.");
  } else if (treatment.mean <= 0) {
    result.relative_uplift = { estimate: -1, ci_low: null, ci_high: null };
    notes.push("Relative spend-uplift interval undefined: the treatment arm has no spend.");
  } else {
    const logVariance =
      treatment.variance / (treatment.n * treatment.mean * treatment.mean) +
      control.variance / (control.n * control.mean * control.mean);
    result.relative_uplift =
      logVariance > 0
        ? relativeInterval(treatment.mean / control.mean, Math.sqrt(logVariance), z)
        : { estimate: treatment.mean / control.mean - 1, ci_low: null, ci_high: null };
  }
  return result;
}

function checkSampleRatio(
  control: ArmStats,
  treatment: ArmStats,
  holdoutShare: number,
  threshold: number,
  notes: string[],
): SampleRatioCheck {
  const total = control.clients + treatment.clients;
  const check: SampleRatioCheck = {
    expected_control_share: holdoutShare,
    observed_control_share: total > 0 ? control.clients / total : null,
    chi_square: null,
    p_value: null,
    mismatch: null,
    threshold,
  };
  if (holdoutShare === 0 || holdoutShare === 1) {
    notes.push("Sample-ratio check skipped: the planned split has a single arm.");
    return check;
  }
  const fit = chiSquareGoodnessOfFit([control.clients, treatment.clients], [holdoutShare, 1 - holdoutShare]);
  if (fit === null) return check;
  check.chi_square = fit.statistic;
  check.p_value = fit.pValue;
  check.mismatch = fit.pValue < threshold;
  if (check.mismatch) {
    notes.push(
      `Sample ratio mismatch (p = ${fit.pValue.toExponential(2)}): arm sizes contradict the planned ${holdoutShare} holdout; assignment or logging is broken, so the comparison is not trustworthy.`,
    );
  }
  return check;
}

/**
 * Builds the uplift report of a control-group experiment from per-arm sufficient statistics.
 *
 * - Response rate: absolute uplift p_t − p_c with the unpooled Wald interval
 *   ± z·√(p_t(1−p_t)/n_t + p_c(1−p_c)/n_c); p-value from the pooled two-proportion z-test
 *   z = (p_t − p_c)/√(p̄(1−p̄)(1/n_t + 1/n_c)); relative uplift p_t/p_c − 1 with Katz's log interval.
 * - Spend per client (when measured): mean difference with Welch's t interval and test; relative
 *   uplift with the delta-method log-ratio interval.
 * - Sample-ratio mismatch: chi-square goodness of fit (1 df) of the arm sizes against the planned
 *   split, flagged below `sampleRatioMismatchThreshold` (default 0.001).
 * - Verdict from the response-rate test at α = 1 − confidence level (default 0.05).
 *
 * Undefined figures are null (never NaN) with an explanation in `notes`.
 * @throws RangeError on inconsistent inputs (negative or non-integer counts, responders > clients,
 * negative or non-finite spend sums, holdout share outside [0, 1], level outside (0, 1)).
 */
export function experimentReport(
  input: ExperimentReportInput,
  options: ExperimentReportOptions = {},
): ExperimentReport {
  const confidenceLevel = options.confidenceLevel ?? 0.95;
  const srmThreshold = options.sampleRatioMismatchThreshold ?? 0.001;
  const z = twoSidedCriticalValue(confidenceLevel);
  if (!(srmThreshold > 0 && srmThreshold < 1)) {
    throw new RangeError(`sampleRatioMismatchThreshold must be in (0, 1), got ${srmThreshold}`);
  }
  controlBucketCount(input.holdoutShare); // validates the share
  const { control, treatment } = input;
  checkArm("control", control);
  checkArm("treatment", treatment);
  // Rounded so that a 0.95 confidence level reports alpha 0.05, not the float 0.050000000000000044.
  const alpha = Number((1 - confidenceLevel).toPrecision(12));
  const notes: string[] = [];

  if (control.clients === 0) notes.push("The control arm has no clients yet.");
  if (treatment.clients === 0) notes.push("The treatment arm has no clients yet.");

  const controlSpend = spendSummary(control);
  const treatmentSpend = spendSummary(treatment);
  if ((controlSpend === null) !== (treatmentSpend === null)) {
    throw new RangeError("spend must be given for both arms or for neither");
  }

  const responseRate = compareResponseRates(control, treatment, z, alpha, notes);
  const spend =
    controlSpend && treatmentSpend
      ? compareSpend(controlSpend, treatmentSpend, confidenceLevel, z, alpha, notes)
      : null;
  const sampleRatio = checkSampleRatio(control, treatment, input.holdoutShare, srmThreshold, notes);

  let verdict: ExperimentVerdict;
  if (sampleRatio.mismatch) verdict = "sample_ratio_mismatch";
  else if (responseRate.significant === null) verdict = "insufficient_data";
  else if (!responseRate.significant) verdict = "no_significant_difference";
  else verdict = responseRate.absolute_uplift.estimate! > 0 ? "treatment_better" : "treatment_worse";

  return {
    confidence_level: confidenceLevel,
    alpha,
    control: armReport(control, controlSpend),
    treatment: armReport(treatment, treatmentSpend),
    response_rate: responseRate,
    spend_per_client: spend,
    sample_ratio: sampleRatio,
    verdict,
    notes,
  };
}

/**
 * Sufficient statistics of one arm from per-client columns (for simulations and tests):
 * `responded[i]` non-zero when client i accepted a deal in scope, `spend[i]` its spend in RUB.
 * @throws RangeError when the columns differ in length or a spend is negative or not finite.
 */
export function armStatsFromClients(responded: ArrayLike<number>, spend: ArrayLike<number>): ArmStats {
  if (responded.length !== spend.length) {
    throw new RangeError(`responded (${responded.length}) and spend (${spend.length}) differ in length`);
  }
  let responders = 0;
  let spendSum = 0;
  let spendSumOfSquares = 0;
  for (let i = 0; i < spend.length; i++) {
    const value = spend[i];
    if (!(Number.isFinite(value) && value >= 0))
      throw new RangeError(`spend ${i} must be a finite amount >= 0, got ${value}`);
    if (responded[i] !== 0) responders++;
    spendSum += value;
    spendSumOfSquares += value * value;
  }
  return { clients: spend.length, responders, spendSum, spendSumOfSquares };
}
