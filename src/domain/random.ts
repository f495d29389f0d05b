/**
 * Seeded pseudo-random numbers for k-means seeding, splits and synthetic data: sfc32 seeded
 * through SplitMix32. Everything random in the recommender goes through this class, so a run is
 * reproducible from its seed in Node and in workerd alike.
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
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal = 0;
  private hasSpareNormal = false;

  /** `stream` selects an independent sequence for the same seed (e.g. one per user). */
  constructor(seed: number, stream = 0) {
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
