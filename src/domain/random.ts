/**
 * The one source of seeded randomness: sfc32 seeded through SplitMix32, plus the Beta sampler of
 * Thompson-sampling routing. k-means seeding, splits, routing draws in tests and simulations, and
 * the synthetic-data generators all go through `Rng`, so a run is reproducible from its seed in
 * Node and in workerd alike.
 */

/** SplitMix32 step: spreads a 32-bit seed over the generator state. */
function splitMix32(state: number): number {
  state = (state + 0x9e3779b9) | 0;
  let z = state;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A small, fast, seedable generator (sfc32, 128-bit state). */
export class Rng {
  private a = 0;
  private b = 0;
  private c = 0;
  private d = 0;
  private spareNormal = 0;
  private hasSpareNormal = false;

  /** `stream` selects an independent sequence for the same seed (e.g. one per user). */
  constructor(seed: number, stream = 0) {
    this.reseed(seed, stream);
  }

  /**
   * Restarts the generator on stream `stream` of `seed`, so a generator can walk many streams (one
   * per client of a generated data set) without allocating.
   */
  reseed(seed: number, stream = 0): void {
    this.hasSpareNormal = false;
    let s = (seed >>> 0) ^ Math.imul(stream >>> 0, 0x632be5ab);
    s = splitMix32(s);
    this.a = s;
    s = splitMix32(s ^ 0x243f6a88);
    this.b = s;
    s = splitMix32(s ^ 0x85a308d3);
    this.c = s;
    s = splitMix32(s ^ 0x13198a2e);
    this.d = s | 1;
    // Discard the first outputs: sfc32 needs a few rounds to decorrelate close seeds.
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** Uniform 32-bit unsigned integer. */
  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [min, max] (both inclusive). */
  intBetween(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Index drawn from a cumulative distribution whose last entry is the total weight. */
  pick(cumulative: ArrayLike<number>, start = 0, end = cumulative.length): number {
    const target = this.next() * cumulative[end - 1];
    let lo = start;
    let hi = end - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (cumulative[mid] > target) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Standard normal draw (Marsaglia polar method). */
  normal(): number {
    if (this.hasSpareNormal) {
      this.hasSpareNormal = false;
      return this.spareNormal;
    }
    let u = 0;
    let v = 0;
    let s = 0;
    do {
      u = 2 * this.next() - 1;
      v = 2 * this.next() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const factor = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * factor;
    this.hasSpareNormal = true;
    return u * factor;
  }

  /** Standard Gumbel draw: adding it to log-weights and taking the top k samples without replacement. */
  gumbel(): number {
    let u = this.next();
    if (u === 0) u = 1e-300;
    return -Math.log(-Math.log(u));
  }

  /** Fisher–Yates shuffle of `values[start..end)` in place. */
  shuffle(values: Int32Array | number[], start = 0, end = values.length): void {
    for (let i = end - 1; i > start; i--) {
      const j = start + this.int(i - start + 1);
      const t = values[i];
      values[i] = values[j];
      values[j] = t;
    }
  }
}

/**
 * Uniform numbers in [0, 1) from a seed, as a plain function: routing takes any `() => number`, so
 * tests and simulations pass this one and production passes `Math.random`.
 */
export function seededRandom(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.next();
}

/**
 * Beta(α, β) sampler built on Marsaglia–Tsang Gamma sampling ("A simple method for generating gamma
 * variables", 2000): Beta = X / (X + Y) with X ~ Gamma(α), Y ~ Gamma(β). Normal deviates come
 * from the Marsaglia polar method, whose second value is kept for the next call.
 */
export class BetaSampler {
  private spareNormal = 0;
  private hasSpare = false;

  constructor(private readonly random: () => number) {}

  /** One draw from Beta(alpha, beta); both shapes must be > 0. */
  next(alpha: number, beta: number): number {
    const x = this.gamma(alpha);
    const y = this.gamma(beta);
    const sum = x + y;
    // Both draws underflow only for vanishing shapes; split evenly rather than divide by zero.
    return sum > 0 ? x / sum : 0.5;
  }

  /** One draw from Gamma(shape, 1), shape > 0. */
  gamma(shape: number): number {
    if (!(shape > 0)) throw new RangeError(`Gamma shape must be > 0 (got ${shape})`);
    if (shape < 1) {
      // Boost: Gamma(a) = Gamma(a + 1) × U^(1/a).
      return this.gamma(shape + 1) * this.uniformOpen() ** (1 / shape);
    }
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = this.uniformOpen();
      const x2 = x * x;
      if (u < 1 - 0.0331 * x2 * x2) return d * v;
      if (Math.log(u) < 0.5 * x2 + d * (1 - v + Math.log(v))) return d * v;
    }
  }

  /** A standard normal deviate. */
  normal(): number {
    if (this.hasSpare) {
      this.hasSpare = false;
      return this.spareNormal;
    }
    let u: number;
    let v: number;
    let s: number;
    do {
      u = 2 * this.random() - 1;
      v = 2 * this.random() - 1;
      s = u * u + v * v;
    } while (s >= 1 || s === 0);
    const factor = Math.sqrt((-2 * Math.log(s)) / s);
    this.spareNormal = v * factor;
    this.hasSpare = true;
    return u * factor;
  }

  /** Uniform in (0, 1): never exactly 0, so logarithms and roots stay finite. */
  private uniformOpen(): number {
    let u = this.random();
    while (u <= 0) u = this.random();
    return u;
  }
}
