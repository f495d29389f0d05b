/**
 * Threshold volume preview: over recently scored candidates, how many would have passed each
 * integer threshold and how those were received, plus the acceptance observed per rating band. It
 * answers "what does lowering the threshold from 80 to 78 yield?".
 *
 * Everything is one pass over typed arrays into a 101-slot histogram (one slot per integer part of
 * the rating), then prefix/suffix sums: O(n + range), no per-candidate allocation. Report rows use
 * snake_case field names because the admin route returns them as they are.
 */

/** Outcome codes in {@link ScoredOutcomes.outcome}. */
export const OUTCOME_DECLINED = -1;
export const OUTCOME_UNKNOWN = 0;
export const OUTCOME_ACCEPTED = 1;

/** Ratings are 0–100; these are the lowest and highest thresholds that make sense. */
export const MIN_RATING = 0;
export const MAX_RATING = 100;

/**
 * Column view of scored candidates: `rating[i]` (0–100) and `outcome[i]` (1 accepted, −1 declined,
 * 0 unknown — no lead was made, or the receiver has not reported yet).
 */
export interface ScoredOutcomes {
  rating: Float32Array | Float64Array | ArrayLike<number>;
  outcome: Int8Array | ArrayLike<number>;
}

/** One row of the threshold preview. */
export interface ThresholdRow {
  threshold: number;
  /** Candidates with rating ≥ threshold: the leads this threshold would have let through. */
  passing: number;
  /** …of which the receiver accepted. */
  accepted: number;
  /** …of which the receiver declined. */
  declined: number;
  /** …whose outcome is unknown. */
  unknown: number;
  /** accepted / (accepted + declined); null when none of the passing candidates has an outcome. */
  acceptance_rate: number | null;
}

/** Acceptance observed in one rating band [from, to) (the last band also includes 100). */
export interface RatingBand {
  from: number;
  to: number;
  candidates: number;
  accepted: number;
  declined: number;
  unknown: number;
  /** accepted / (accepted + declined); null when no candidate of the band has an outcome. */
  acceptance_rate: number | null;
}

/** The whole preview: thresholds, bands and what was left out. */
export interface ThresholdPreview {
  /** Candidates counted (valid rating and outcome). */
  candidates: number;
  /** Candidates skipped because the rating was not a number within 0–100 or the outcome not −1/0/1. */
  ignored: number;
  thresholds: ThresholdRow[];
  bands: RatingBand[];
}

const SLOTS = MAX_RATING - MIN_RATING + 1;

/**
 * Counts per integer part of the rating (slot 0 … 100), for each outcome: everything a threshold
 * or a band can see of the candidates. Build it from per-candidate columns (internally) or from
 * counts already grouped by a database ({@link ratingHistogramFromCounts}).
 */
export interface RatingHistogram {
  accepted: Float64Array;
  declined: Float64Array;
  unknown: Float64Array;
  /** Candidates counted. */
  counted: number;
  /** Candidates skipped: rating not a number within 0–100, or an outcome other than −1/0/1. */
  ignored: number;
}

/** One group of candidates as a database aggregates them: ⌊rating⌋, outcome code and count. */
export interface RatingCount {
  /** Integer part of the rating (e.g. SQL `CAST(rating AS INTEGER)`), 0–100; anything else is ignored. */
  slot: number;
  /** 1 accepted, −1 declined, 0 unknown; anything else is ignored. */
  outcome: number;
  /** Candidates in the group (a non-negative integer). */
  count: number;
}

/**
 * The histogram of candidates already grouped by (⌊rating⌋, outcome), so that a preview over
 * millions of candidates reads at most 303 rows. Groups with a slot outside 0–100 (or not an
 * integer) or an unknown outcome code are counted as ignored.
 * @throws RangeError when a count is not a non-negative integer.
 */
export function ratingHistogramFromCounts(rows: Iterable<RatingCount>): RatingHistogram {
  const histogram: RatingHistogram = {
    accepted: new Float64Array(SLOTS),
    declined: new Float64Array(SLOTS),
    unknown: new Float64Array(SLOTS),
    counted: 0,
    ignored: 0,
  };
  for (const row of rows) {
    if (!Number.isSafeInteger(row.count) || row.count < 0) {
      throw new RangeError(`count must be a non-negative integer, got ${row.count}`);
    }
    const validSlot = Number.isInteger(row.slot) && row.slot >= MIN_RATING && row.slot <= MAX_RATING;
    const column =
      row.outcome === OUTCOME_ACCEPTED
        ? histogram.accepted
        : row.outcome === OUTCOME_DECLINED
          ? histogram.declined
          : row.outcome === OUTCOME_UNKNOWN
            ? histogram.unknown
            : null;
    if (!validSlot || column === null) {
      histogram.ignored += row.count;
      continue;
    }
    column[row.slot - MIN_RATING] += row.count;
    histogram.counted += row.count;
  }
  return histogram;
}

function checkColumns(candidates: ScoredOutcomes): void {
  if (candidates.rating.length !== candidates.outcome.length) {
    throw new RangeError(
      `rating (${candidates.rating.length}) and outcome (${candidates.outcome.length}) columns differ in length`,
    );
  }
}

function buildHistogram(candidates: ScoredOutcomes): RatingHistogram {
  checkColumns(candidates);
  const accepted = new Float64Array(SLOTS);
  const declined = new Float64Array(SLOTS);
  const unknown = new Float64Array(SLOTS);
  const { rating, outcome } = candidates;
  let ignored = 0;
  for (let i = 0; i < rating.length; i++) {
    const value = rating[i];
    // The negated comparison also rejects NaN.
    if (!(value >= MIN_RATING && value <= MAX_RATING)) {
      ignored++;
      continue;
    }
    // For an integer threshold t, rating ≥ t ⇔ ⌊rating⌋ ≥ t, so the integer part is the only thing
    // a threshold can see.
    const slot = Math.floor(value) - MIN_RATING;
    const code = outcome[i];
    if (code === OUTCOME_ACCEPTED) accepted[slot]++;
    else if (code === OUTCOME_DECLINED) declined[slot]++;
    else if (code === OUTCOME_UNKNOWN) unknown[slot]++;
    else ignored++;
  }
  return { accepted, declined, unknown, counted: rating.length - ignored, ignored };
}

function acceptanceRate(accepted: number, declined: number): number | null {
  const resolved = accepted + declined;
  return resolved > 0 ? accepted / resolved : null;
}

function checkThresholdRange(from: number, to: number): void {
  if (!Number.isInteger(from) || !Number.isInteger(to) || from < MIN_RATING || to > MAX_RATING || from > to) {
    throw new RangeError(
      `thresholds must be integers with ${MIN_RATING} <= from <= to <= ${MAX_RATING}, got ${from}..${to}`,
    );
  }
}

function thresholdRows(histogram: RatingHistogram, from: number, to: number): ThresholdRow[] {
  const rows: ThresholdRow[] = new Array(to - from + 1);
  let accepted = 0;
  let declined = 0;
  let unknown = 0;
  // Suffix sums from the top slot down; rows are produced for thresholds to … from, stored ascending.
  for (let slot = SLOTS - 1; slot >= from - MIN_RATING; slot--) {
    accepted += histogram.accepted[slot];
    declined += histogram.declined[slot];
    unknown += histogram.unknown[slot];
    const threshold = slot + MIN_RATING;
    if (threshold <= to) {
      rows[threshold - from] = {
        threshold,
        passing: accepted + declined + unknown,
        accepted,
        declined,
        unknown,
        acceptance_rate: acceptanceRate(accepted, declined),
      };
    }
  }
  return rows;
}

/**
 * Number of bands of `width` rating points over 0–100, and the band of an integer rating slot.
 * Bands are [k·w, (k+1)·w); the last band is closed at 100 and may be narrower when w ∤ 100.
 * @throws RangeError when the width is not an integer within 1–100.
 */
export function ratingBandCount(width: number): number {
  if (!Number.isInteger(width) || width < 1 || width > MAX_RATING - MIN_RATING) {
    throw new RangeError(`band width must be an integer within 1..${MAX_RATING - MIN_RATING}, got ${width}`);
  }
  return Math.ceil((MAX_RATING - MIN_RATING) / width);
}

/**
 * Band index of a rating in [0, 100] for bands of `width` points (see {@link ratingBandCount}),
 * exact at band edges: 80 with width 10 is in band 8, 79.999 in band 7, and 100 in the last band.
 */
export function ratingBandIndex(rating: number, width: number, bandCount: number): number {
  // Integer widths make ⌊rating / width⌋ = ⌊⌊rating⌋ / width⌋, which avoids any rounding at edges.
  const index = Math.floor(Math.floor(rating - MIN_RATING) / width);
  return index < bandCount ? index : bandCount - 1;
}

function bandBounds(index: number, width: number, bandCount: number): { from: number; to: number } {
  const from = MIN_RATING + index * width;
  return { from, to: index === bandCount - 1 ? MAX_RATING : from + width };
}

function bandRows(histogram: RatingHistogram, width: number): RatingBand[] {
  const bandCount = ratingBandCount(width);
  const bands: RatingBand[] = [];
  for (let index = 0; index < bandCount; index++) {
    bands.push({
      ...bandBounds(index, width, bandCount),
      candidates: 0,
      accepted: 0,
      declined: 0,
      unknown: 0,
      acceptance_rate: null,
    });
  }
  for (let slot = 0; slot < SLOTS; slot++) {
    const band = bands[ratingBandIndex(slot + MIN_RATING, width, bandCount)];
    band.accepted += histogram.accepted[slot];
    band.declined += histogram.declined[slot];
    band.unknown += histogram.unknown[slot];
  }
  for (const band of bands) {
    band.candidates = band.accepted + band.declined + band.unknown;
    band.acceptance_rate = acceptanceRate(band.accepted, band.declined);
  }
  return bands;
}

/**
 * For each integer threshold from `from` to `to` (inclusive, ascending): how many candidates have
 * rating ≥ threshold and how many of those were accepted, declined or are unknown. Candidates with
 * a rating that is not a number within 0–100 or an outcome other than −1/0/1 are skipped.
 * @throws RangeError when the columns differ in length or the range is not 0 ≤ from ≤ to ≤ 100
 * in integers.
 */
export function previewThresholds(candidates: ScoredOutcomes, from: number, to: number): ThresholdRow[] {
  checkThresholdRange(from, to);
  return thresholdRows(buildHistogram(candidates), from, to);
}

/**
 * Acceptance observed per rating band of `width` points (default 10: 0–10, …, 90–100).
 * @throws RangeError when the columns differ in length or the width is not an integer in 1–100.
 */
export function acceptanceByBand(candidates: ScoredOutcomes, width = 10): RatingBand[] {
  ratingBandCount(width);
  return bandRows(buildHistogram(candidates), width);
}

/**
 * The admin's threshold preview in one pass: the threshold rows for `from`…`to`, the acceptance per
 * band, and the number of candidates counted and skipped.
 * @throws RangeError as {@link previewThresholds} and {@link acceptanceByBand}.
 */
export function thresholdPreview(
  candidates: ScoredOutcomes,
  options: { from: number; to: number; bandWidth?: number },
): ThresholdPreview {
  const width = options.bandWidth ?? 10;
  checkThresholdRange(options.from, options.to);
  ratingBandCount(width);
  return thresholdPreviewFromHistogram(buildHistogram(candidates), options);
}

/**
 * The threshold preview from a histogram (see {@link ratingHistogramFromCounts}): same rows and
 * bands as {@link thresholdPreview} over the candidates the histogram counts.
 * @throws RangeError as {@link thresholdPreview}.
 */
export function thresholdPreviewFromHistogram(
  histogram: RatingHistogram,
  options: { from: number; to: number; bandWidth?: number },
): ThresholdPreview {
  const width = options.bandWidth ?? 10;
  checkThresholdRange(options.from, options.to);
  ratingBandCount(width);
  return {
    candidates: histogram.counted,
    ignored: histogram.ignored,
    thresholds: thresholdRows(histogram, options.from, options.to),
    bands: bandRows(histogram, width),
  };
}
