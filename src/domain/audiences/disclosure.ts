/**
 * What a partner may learn from an audience count (docs/privacy.md, "Partner audiences"): counts of
 * at least k clients only, rounded and with deterministic noise, and never two answers whose
 * audiences differ by fewer than k clients (the differencing guard). Pure arithmetic; the keyed hash
 * that seeds the noise is computed by the use case.
 */

/** k can never be set below this (the settings check refuses it). */
export const MIN_GROUP_FLOOR = 50;
/** k when no setting is stored. */
export const DEFAULT_MIN_GROUP = 100;
/** Visible counts are multiples of this. */
export const COUNT_ROUNDING = 10;
/** Noise is a whole number in [-NOISE_AMPLITUDE, NOISE_AMPLITUDE], fixed per (partner, query, data day). */
export const NOISE_AMPLITUDE = 10;
/** How far back the differencing guard compares a new query with the partner's earlier ones. */
export const GUARD_LOOKBACK_DAYS = 90;
/** Daily query budget per partner when no setting is stored. */
export const DEFAULT_DAILY_AUDIENCE_QUERIES = 50;

/** The noise of one count from 32 bits of a keyed hash: uniform over the 2A+1 whole numbers. */
export function noiseFromSeed(seed: number): number {
  const span = 2 * NOISE_AMPLITUDE + 1;
  return (Math.abs(Math.trunc(seed)) % span) - NOISE_AMPLITUDE;
}

/**
 * A count as shown: null below k (suppressed); otherwise the true count plus its noise, rounded to
 * the nearest multiple of COUNT_ROUNDING, never below k rounded down (a visible count never hints
 * that the group is small).
 */
export function visibleCount(trueCount: number, k: number, noise: number): number | null {
  if (trueCount < k) return null;
  const rounded = Math.round((trueCount + noise) / COUNT_ROUNDING) * COUNT_ROUNDING;
  return Math.max(Math.floor(k / COUNT_ROUNDING) * COUNT_ROUNDING, rounded);
}

/** |A Δ B| = |A| + |B| − 2|A ∩ B|. */
export function symmetricDifference(a: number, b: number, both: number): number {
  return a + b - 2 * both;
}

/**
 * Whether an earlier query of size `earlier` can differ from one of size `current` by fewer than k
 * clients at all: |A Δ B| ≥ ||A| − |B||, so only earlier queries closer than k in size need their
 * intersection counted.
 */
export function mayBeTooClose(current: number, earlier: number, k: number): boolean {
  return Math.abs(current - earlier) < k;
}

/**
 * Whether answering a query would let its difference with an earlier query be read off: the two
 * audiences differ, but by fewer than k clients. (The same canonical filter is the same query and
 * gets the same answer; it is not compared.)
 */
export function isTooClose(difference: number, k: number): boolean {
  return difference < k;
}
