/**
 * Seeded pseudo-random numbers for the demo generator: xoshiro128** seeded through murmur3's
 * finaliser. Each client draws from its own stream (`reseed(seed, clientIndex)`), so client i is the
 * same whatever the total number of clients, and no object is allocated per client.
 */

/** murmur3 fmix32: a bijection of 32-bit integers with full avalanche. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

const GOLDEN_GAMMA = 0x9e3779b9;

/** A reseedable xoshiro128** generator with uniform, integer and normal draws. */
export class SeededRandom {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal = 0;
  private hasSpareNormal = false;

  constructor(seed: number, stream = 0) {
    this.reseed(seed, stream);
  }

  /**
   * Restarts the generator on the stream `stream` of `seed`. For a fixed seed, distinct streams
   * (below 2^32) get distinct states: the mixing is a bijection of the stream number.
   */
  reseed(seed: number, stream = 0): void {
    const x = fmix32(fmix32((seed >>> 0) ^ GOLDEN_GAMMA) ^ (stream >>> 0));
    this.s0 = fmix32((x + GOLDEN_GAMMA) >>> 0);
    this.s1 = fmix32((x + 2 * GOLDEN_GAMMA) >>> 0);
    this.s2 = fmix32((x + 3 * GOLDEN_GAMMA) >>> 0);
    this.s3 = fmix32((x + 4 * GOLDEN_GAMMA) >>> 0);
    // xoshiro's only forbidden state; fmix32 of distinct inputs makes it practically unreachable.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    this.hasSpareNormal = false;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    const s1 = this.s1;
    const product = Math.imul(s1, 5);
    const result = Math.imul((product << 7) | (product >>> 25), 9);
    const t = s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = (this.s3 << 11) | (this.s3 >>> 21);
    return (result >>> 0) / 4294967296;
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Uniform integer in [min, max] (both inclusive). */
  intBetween(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  /** Standard normal draw (Box–Muller; the second value of each pair is kept for the next call). */
  normal(): number {
    if (this.hasSpareNormal) {
      this.hasSpareNormal = false;
      return this.spareNormal;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    const angle = 2 * Math.PI * this.next();
    this.spareNormal = radius * Math.sin(angle);
    this.hasSpareNormal = true;
    return radius * Math.cos(angle);
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
}
