/**
 * A monotone map from the blend logit z to the logit of acceptance, fitted on offer outcomes by
 * isotonic regression (pool-adjacent-violators): the rating of an offer becomes
 * 100·σ(map(z)). A linear recalibration σ(a·z + b) cannot follow a reliability curve that bends
 * (the take-up blend over-rates its strongest candidates and under-rates the middle); the isotonic
 * map can, and being non-decreasing it never reorders a client's list.
 *
 * Knots are block means of z with the block's smoothed acceptance logit, blocks holding at least
 * `minBlock` offers (fewer knots, less noise); between knots the map is linear, beyond them flat.
 */

/** Knots of the map: z ascending, logit non-decreasing. */
export interface AcceptanceMap {
  z: number[];
  logit: number[];
}

/** Default minimum offers per isotonic block. */
export const DEFAULT_MIN_BLOCK = 100;

/**
 * Fits the map on (blend logit, accepted) pairs.
 * @throws RangeError without samples, on non-finite logits, or when minBlock < 1.
 */
export function fitAcceptanceMap(
  z: ArrayLike<number>,
  accepted: ArrayLike<boolean>,
  minBlock = DEFAULT_MIN_BLOCK,
): AcceptanceMap {
  const n = z.length;
  if (n === 0 || accepted.length !== n) throw new RangeError("the map needs as many outcomes as logits, at least one");
  if (!(Number.isInteger(minBlock) && minBlock >= 1)) throw new RangeError("minBlock must be an integer >= 1");
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < n; i++) if (!Number.isFinite(z[i])) throw new RangeError(`logit ${i} is not finite`);
  order.sort((a, b) => z[a] - z[b] || a - b);
  // Blocks: [sum of accepted, count, sum of z]; pooled while a block's rate is not above the previous one.
  const blocks: Array<[number, number, number]> = [];
  const rate = (block: [number, number, number]) => block[0] / block[1];
  const pool = () => {
    while (blocks.length > 1 && rate(blocks[blocks.length - 2]) >= rate(blocks[blocks.length - 1])) {
      const last = blocks.pop() as [number, number, number];
      const previous = blocks[blocks.length - 1];
      previous[0] += last[0];
      previous[1] += last[1];
      previous[2] += last[2];
    }
  };
  for (const i of order) {
    blocks.push([accepted[i] ? 1 : 0, 1, z[i]]);
    pool();
  }
  // Small blocks join their right neighbour (the last one its left): merged monotone neighbours stay monotone.
  const merged: Array<[number, number, number]> = [];
  let pending: [number, number, number] | null = null;
  for (const block of blocks) {
    const current: [number, number, number] = pending
      ? [pending[0] + block[0], pending[1] + block[1], pending[2] + block[2]]
      : [...block];
    if (current[1] < minBlock) pending = current;
    else {
      merged.push(current);
      pending = null;
    }
  }
  if (pending) {
    if (merged.length === 0) merged.push(pending);
    else {
      const last = merged[merged.length - 1];
      last[0] += pending[0];
      last[1] += pending[1];
      last[2] += pending[2];
    }
  }
  const map: AcceptanceMap = { z: [], logit: [] };
  for (const [positives, count, sumZ] of merged) {
    // Half a pseudo-observation each way keeps an all-accepted or all-declined block finite.
    const p = (positives + 0.5) / (count + 1);
    let value = Math.log(p / (1 - p));
    const previous = map.logit[map.logit.length - 1];
    if (previous !== undefined && value < previous) value = previous; // the smoothing may not reorder
    map.z.push(sumZ / count);
    map.logit.push(value);
  }
  return map;
}

/** Checks a stored map: equal non-empty lengths, finite, z ascending, logit non-decreasing. */
export function isValidAcceptanceMap(map: unknown): map is AcceptanceMap {
  if (!map || typeof map !== "object") return false;
  const { z, logit } = map as Partial<AcceptanceMap>;
  if (!Array.isArray(z) || !Array.isArray(logit) || z.length === 0 || z.length !== logit.length) return false;
  for (let i = 0; i < z.length; i++) {
    if (!Number.isFinite(z[i]) || !Number.isFinite(logit[i])) return false;
    if (i > 0 && (!(z[i] > z[i - 1]) || !(logit[i] >= logit[i - 1]))) return false;
  }
  return true;
}

/** map(z): linear between knots, flat beyond them. */
export function applyAcceptanceMap(map: AcceptanceMap, z: number): number {
  const xs = map.z;
  const ys = map.logit;
  const last = xs.length - 1;
  if (!(z > xs[0])) return Number.isNaN(z) ? Number.NaN : ys[0];
  if (z >= xs[last]) return ys[last];
  let low = 0;
  let high = last;
  while (high - low > 1) {
    const mid = (low + high) >> 1;
    if (xs[mid] <= z) low = mid;
    else high = mid;
  }
  const t = (z - xs[low]) / (xs[high] - xs[low]);
  return ys[low] + t * (ys[high] - ys[low]);
}

/**
 * The smallest blend logit whose mapped logit reaches `target` (−∞ when every z does, +∞ when none
 * does): what the scorer compares raw logits with for a minimum rating.
 */
export function inverseAcceptanceMap(map: AcceptanceMap, target: number): number {
  const xs = map.z;
  const ys = map.logit;
  const last = xs.length - 1;
  if (target <= ys[0]) return Number.NEGATIVE_INFINITY;
  if (target > ys[last]) return Number.POSITIVE_INFINITY;
  for (let i = 1; i <= last; i++) {
    if (ys[i] >= target) {
      const rise = ys[i] - ys[i - 1];
      return rise > 0 ? xs[i - 1] + ((target - ys[i - 1]) / rise) * (xs[i] - xs[i - 1]) : xs[i - 1];
    }
  }
  return Number.POSITIVE_INFINITY;
}
