/**
 * Calibration report: does a rating read as a probability? A lead rated 80 should be accepted
 * about 80 % of the time. Candidates are grouped into rating bands; each band compares the mean
 * predicted probability (mean rating / 100) with the observed acceptance rate and its Wilson
 * interval. Summary figures: expected and maximum calibration error and the Brier score.
 *
 * Only candidates with a known outcome (accepted or declined) count. Those are leads, i.e. ratings
 * at or above the threshold in force, so bands below the threshold are mostly empty; that is a
 * property of the data, not of the report. Report objects use snake_case field names because the
 * analytics route returns them as they are. Formulas: docs/experiments.md.
 */
import { wilsonInterval } from "./probability";
import {
  MAX_RATING,
  MIN_RATING,
  OUTCOME_ACCEPTED,
  OUTCOME_DECLINED,
  OUTCOME_UNKNOWN,
  ratingBandCount,
  ratingBandIndex,
  type ScoredOutcomes,
} from "./thresholds";

/** One rating band of the calibration report, [from, to) (the last band also includes 100). */
export interface CalibrationBand {
  from: number;
  to: number;
  /** Candidates of the band with a known outcome. */
  resolved: number;
  accepted: number;
  declined: number;
  /** Mean rating / 100 over the resolved candidates; null when the band is empty. */
  predicted_rate: number | null;
  /** accepted / resolved; null when the band is empty. */
  observed_rate: number | null;
  /** Wilson score interval of the observed rate at the report's confidence level. */
  observed_ci_low: number | null;
  observed_ci_high: number | null;
  /** observed − predicted: positive when ratings are too low, negative when they promise too much. */
  gap: number | null;
  /** Whether the predicted rate lies inside the observed rate's interval. */
  predicted_within_interval: boolean | null;
}

/** The calibration report. */
export interface CandidateCalibrationReport {
  band_width: number;
  confidence_level: number;
  /** Candidates with a known outcome (accepted + declined). */
  resolved: number;
  accepted: number;
  /** Candidates counted but without an outcome yet (left out of every figure). */
  unknown: number;
  /** Candidates skipped: rating not a number within 0–100, or an outcome other than −1/0/1. */
  ignored: number;
  /** Mean predicted probability over resolved candidates; null when there are none. */
  mean_predicted_rate: number | null;
  /** Overall acceptance rate; null when there are no resolved candidates. */
  observed_rate: number | null;
  /** Σ_b (n_b / N)·|observed_b − predicted_b| over non-empty bands; null when N = 0. */
  expected_calibration_error: number | null;
  /** max_b |observed_b − predicted_b| over non-empty bands; null when N = 0. */
  maximum_calibration_error: number | null;
  /** Mean of (rating/100 − outcome)² with outcome 1 accepted, 0 declined; null when N = 0. */
  brier_score: number | null;
  bands: CalibrationBand[];
}

/** Options of {@link candidateCalibrationReport}. */
export interface CalibrationOptions {
  /** Integer width of the rating bands, 1–100. Default 10. */
  bandWidth?: number;
  /** Confidence level of the Wilson intervals. Default 0.95. */
  confidenceLevel?: number;
}

/** Per-band sums the report is computed from (one slot per band). */
interface BandAccumulators {
  accepted: Float64Array;
  declined: Float64Array;
  /** Σ rating / 100 over the band's resolved candidates. */
  predictedSum: Float64Array;
  /** Σ (rating/100 − outcome)² over all resolved candidates. */
  brierSum: number;
  unknown: number;
  ignored: number;
}

function checkOptions(options: CalibrationOptions): { width: number; confidenceLevel: number; bandCount: number } {
  const width = options.bandWidth ?? 10;
  const confidenceLevel = options.confidenceLevel ?? 0.95;
  const bandCount = ratingBandCount(width);
  if (!(confidenceLevel > 0 && confidenceLevel < 1)) {
    throw new RangeError(`confidence level must be in (0, 1), got ${confidenceLevel}`);
  }
  return { width, confidenceLevel, bandCount };
}

function createAccumulators(bandCount: number): BandAccumulators {
  return {
    accepted: new Float64Array(bandCount),
    declined: new Float64Array(bandCount),
    predictedSum: new Float64Array(bandCount),
    brierSum: 0,
    unknown: 0,
    ignored: 0,
  };
}

/**
 * Builds the calibration report from scored candidates and their outcomes in one pass over the
 * columns (per-band accumulators in typed arrays).
 * @throws RangeError when the columns differ in length, the band width is not an integer in 1–100,
 * or the confidence level is outside (0, 1).
 */
export function candidateCalibrationReport(
  candidates: ScoredOutcomes,
  options: CalibrationOptions = {},
): CandidateCalibrationReport {
  const { width, confidenceLevel, bandCount } = checkOptions(options);
  const { rating, outcome } = candidates;
  if (rating.length !== outcome.length) {
    throw new RangeError(`rating (${rating.length}) and outcome (${outcome.length}) columns differ in length`);
  }
  const sums = createAccumulators(bandCount);
  for (let i = 0; i < rating.length; i++) {
    const value = rating[i];
    const code = outcome[i];
    if (
      !(value >= MIN_RATING && value <= MAX_RATING) ||
      (code !== OUTCOME_ACCEPTED && code !== OUTCOME_DECLINED && code !== OUTCOME_UNKNOWN)
    ) {
      sums.ignored++;
      continue;
    }
    if (code === OUTCOME_UNKNOWN) {
      sums.unknown++;
      continue;
    }
    const band = ratingBandIndex(value, width, bandCount);
    const predicted = value / 100;
    const observed = code === OUTCOME_ACCEPTED ? 1 : 0;
    if (observed === 1) sums.accepted[band]++;
    else sums.declined[band]++;
    sums.predictedSum[band] += predicted;
    sums.brierSum += (predicted - observed) * (predicted - observed);
  }
  return finishReport(sums, width, confidenceLevel, bandCount);
}

/**
 * Sums over the candidates of one integer rating slot, as a database aggregates them
 * (`GROUP BY CAST(rating AS INTEGER)`).
 */
export interface CalibrationSlot {
  /** Integer part of the rating, 0–100; rows with another slot are counted as ignored. */
  slot: number;
  accepted: number;
  declined: number;
  /** Candidates of the slot without an outcome yet. */
  unknown: number;
  /** Σ rating (0–100 scale) over the slot's accepted and declined candidates. */
  ratingSum: number;
  /** Σ (rating/100 − y)² over the slot's accepted (y = 1) and declined (y = 0) candidates. */
  squaredErrorSum: number;
}

/**
 * The calibration report from per-slot sums (see {@link CalibrationSlot}), so that a report over
 * any number of leads reads at most 101 rows. Equals {@link candidateCalibrationReport} on the same
 * candidates up to floating-point summation order. `ignored` adds candidates the caller already
 * left out (e.g. ratings outside 0–100).
 * @throws RangeError on invalid options, or counts that are not non-negative integers.
 */
export function calibrationReportFromSlots(
  slots: Iterable<CalibrationSlot>,
  options: CalibrationOptions & { ignored?: number } = {},
): CandidateCalibrationReport {
  const { width, confidenceLevel, bandCount } = checkOptions(options);
  const sums = createAccumulators(bandCount);
  sums.ignored = options.ignored ?? 0;
  for (const row of slots) {
    for (const count of [row.accepted, row.declined, row.unknown]) {
      if (!Number.isSafeInteger(count) || count < 0) {
        throw new RangeError(`slot counts must be non-negative integers, got ${count}`);
      }
    }
    if (!Number.isInteger(row.slot) || row.slot < MIN_RATING || row.slot > MAX_RATING) {
      sums.ignored += row.accepted + row.declined + row.unknown;
      continue;
    }
    const band = ratingBandIndex(row.slot, width, bandCount);
    sums.accepted[band] += row.accepted;
    sums.declined[band] += row.declined;
    sums.unknown += row.unknown;
    sums.predictedSum[band] += row.ratingSum / 100;
    sums.brierSum += row.squaredErrorSum;
  }
  return finishReport(sums, width, confidenceLevel, bandCount);
}

function finishReport(
  sums: BandAccumulators,
  width: number,
  confidenceLevel: number,
  bandCount: number,
): CandidateCalibrationReport {
  let resolvedTotal = 0;
  let acceptedTotal = 0;
  let predictedTotal = 0;
  for (let band = 0; band < bandCount; band++) {
    resolvedTotal += sums.accepted[band] + sums.declined[band];
    acceptedTotal += sums.accepted[band];
    predictedTotal += sums.predictedSum[band];
  }

  const bands: CalibrationBand[] = [];
  let weightedError = 0;
  let maximumError = 0;
  for (let band = 0; band < bandCount; band++) {
    const from = MIN_RATING + band * width;
    const to = band === bandCount - 1 ? MAX_RATING : from + width;
    const accepted = sums.accepted[band];
    const declined = sums.declined[band];
    const resolved = accepted + declined;
    if (resolved === 0) {
      bands.push({
        from,
        to,
        resolved,
        accepted,
        declined,
        predicted_rate: null,
        observed_rate: null,
        observed_ci_low: null,
        observed_ci_high: null,
        gap: null,
        predicted_within_interval: null,
      });
      continue;
    }
    const predictedRate = sums.predictedSum[band] / resolved;
    const observedRate = accepted / resolved;
    const interval = wilsonInterval(accepted, resolved, confidenceLevel)!;
    const gap = observedRate - predictedRate;
    weightedError += resolved * Math.abs(gap);
    if (Math.abs(gap) > maximumError) maximumError = Math.abs(gap);
    bands.push({
      from,
      to,
      resolved,
      accepted,
      declined,
      predicted_rate: predictedRate,
      observed_rate: observedRate,
      observed_ci_low: interval.low,
      observed_ci_high: interval.high,
      gap,
      predicted_within_interval: predictedRate >= interval.low && predictedRate <= interval.high,
    });
  }

  const any = resolvedTotal > 0;
  return {
    band_width: width,
    confidence_level: confidenceLevel,
    resolved: resolvedTotal,
    accepted: acceptedTotal,
    unknown: sums.unknown,
    ignored: sums.ignored,
    mean_predicted_rate: any ? predictedTotal / resolvedTotal : null,
    observed_rate: any ? acceptedTotal / resolvedTotal : null,
    expected_calibration_error: any ? weightedError / resolvedTotal : null,
    maximum_calibration_error: any ? maximumError : null,
    brier_score: any ? sums.brierSum / resolvedTotal : null,
    bands,
  };
}
