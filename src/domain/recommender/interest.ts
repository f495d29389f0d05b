/**
 * The browsing-interest part: what a client looked at on a company's website (with consent), as
 * daily counts per service, turned into a small, bounded lift of those services' blend logits.
 *
 * Interest is weaker evidence than a deal and never becomes a `1` in the interaction matrix: it
 * does not train the model, does not exclude a service, and cannot make a service the client
 * already uses recommendable again. Each day's count decays with a configurable half-life, the
 * decayed counts of a service add up to its strength, and the lift saturates:
 *
 *   strength_s = Σ_days events · 2^(−age_days / half_life)
 *   lift_s     = INTEREST_MAX_LOGIT · (1 − e^(−strength_s / INTEREST_SATURATION_EVENTS))
 *
 * so a service read about many times lately gains at most INTEREST_MAX_LOGIT on the logit scale
 * (about +12 points on a 50 % rating), one page view weeks ago close to nothing.
 *
 * Pure, and allocation-free on the hot path: the scorer passes its own per-model buffer.
 */
import { DAY_MS } from "../time";

/** Default half-life of a day's browsing, in days (setting `interest_half_life_days`). */
export const DEFAULT_INTEREST_HALF_LIFE_DAYS = 14;
/** Largest lift browsing can give one service on the blend-logit scale. */
export const INTEREST_MAX_LOGIT = 0.6;
/** Decayed events at which the lift reaches 1 − 1/e (63 %) of its bound. */
export const INTEREST_SATURATION_EVENTS = 3;
/** A day's interest older than this many half-lives is ignored (its weight is below 0.1 %). */
const MAX_HALF_LIVES = 10;

/**
 * A client's browsing, one entry per (service, day): column arrays of the same length. `days` are
 * UTC day numbers (epoch ms / DAY_MS, floored), `events` the count of that day.
 */
export interface BrowsingInterest {
  services: ArrayLike<number>;
  days: ArrayLike<number>;
  events: ArrayLike<number>;
}

/** The lift of a decayed strength (0 for none), bounded by INTEREST_MAX_LOGIT. */
export function interestLogit(strength: number): number {
  if (!(strength > 0)) return 0;
  return INTEREST_MAX_LOGIT * (1 - Math.exp(-strength / INTEREST_SATURATION_EVENTS));
}

/**
 * Adds each entry's decayed count to `strength[service]` (entries of services outside 0..n−1, of
 * future days, non-positive counts or past MAX_HALF_LIVES are skipped). The caller zeroes the
 * touched entries afterwards with `clearInterest`.
 * @throws RangeError on column arrays of different lengths or a half-life that is not > 0.
 */
export function accumulateInterest(
  interest: BrowsingInterest,
  now: number,
  halfLifeDays: number | undefined,
  strength: Float64Array,
): void {
  const { services, days, events } = interest;
  if (days.length !== services.length || events.length !== services.length) {
    throw new RangeError("interest.services, days and events must have the same length");
  }
  const halfLife = halfLifeDays ?? DEFAULT_INTEREST_HALF_LIFE_DAYS;
  if (!(halfLife > 0) || !Number.isFinite(halfLife)) throw new RangeError("halfLifeDays must be a finite number > 0");
  const today = now / DAY_MS;
  const n = strength.length;
  for (let i = 0; i < services.length; i++) {
    const s = services[i];
    const count = events[i];
    if (!(s >= 0 && s < n) || !Number.isInteger(s) || !(count > 0)) continue;
    // A day counts from its end: today's browsing has age 0.
    if (days[i] > today) continue;
    const halfLives = Math.max(0, today - (days[i] + 1)) / halfLife;
    if (halfLives > MAX_HALF_LIVES) continue;
    strength[s] += count * 2 ** -halfLives;
  }
}

/** Zeroes the entries `accumulateInterest` touched. */
export function clearInterest(interest: BrowsingInterest, strength: Float64Array): void {
  const n = strength.length;
  for (let i = 0; i < interest.services.length; i++) {
    const s = interest.services[i];
    if (s >= 0 && s < n && Number.isInteger(s)) strength[s] = 0;
  }
}

/** The decayed strength of every service with browsing (a fresh array; for reports and tests, not the hot path). */
export function interestStrengths(
  interest: BrowsingInterest,
  nServices: number,
  now: number,
  halfLifeDays = DEFAULT_INTEREST_HALF_LIFE_DAYS,
): Float64Array {
  const strength = new Float64Array(nServices);
  accumulateInterest(interest, now, halfLifeDays, strength);
  return strength;
}
