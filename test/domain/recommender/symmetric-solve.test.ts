import { describe, expect, it } from "vitest";
import {
  choleskyInPlace,
  invertSymmetricPositiveDefinite,
  NotPositiveDefiniteError,
  packedIndex,
  Rng,
} from "../../../src/domain/recommender";

/** A random symmetric positive definite matrix, packed: MᵀM + n·I of a random M. */
function randomSpd(n: number, seed: number): Float64Array {
  const rng = new Rng(seed, n);
  const m = Float64Array.from({ length: n * n }, () => rng.next() - 0.5);
  const a = new Float64Array((n * (n + 1)) / 2);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = i === j ? n : 0;
      for (let t = 0; t < n; t++) s += m[t * n + i] * m[t * n + j];
      a[packedIndex(i, j)] = s;
    }
  }
  return a;
}

const at = (packed: Float64Array, i: number, j: number) =>
  i >= j ? packed[packedIndex(i, j)] : packed[packedIndex(j, i)];

// Sizes below, at and across the 64-row blocks, and not multiples of the 4-way unrolling.
const SIZES = [1, 2, 5, 63, 64, 65, 130];

describe("blocked Cholesky on packed Float64Array", () => {
  it("factors A = L·Lᵀ with a positive diagonal", () => {
    for (const n of SIZES) {
      const a = randomSpd(n, 7);
      const l = a.slice();
      choleskyInPlace(l, n);
      let worst = 0;
      for (let i = 0; i < n; i++) {
        expect(l[packedIndex(i, i)]).toBeGreaterThan(0);
        for (let j = 0; j <= i; j++) {
          let s = 0;
          for (let t = 0; t <= j; t++) s += l[packedIndex(i, t)] * l[packedIndex(j, t)];
          worst = Math.max(worst, Math.abs(s - a[packedIndex(i, j)]) / n);
        }
      }
      expect(worst).toBeLessThan(1e-12);
    }
  });

  it("inverts: A·A⁻¹ = I", () => {
    for (const n of SIZES) {
      const a = randomSpd(n, 11);
      const inverse = invertSymmetricPositiveDefinite(a.slice(), n);
      let worst = 0;
      for (let i = 0; i < n; i++) {
        for (let j = 0; j < n; j++) {
          let s = 0;
          for (let t = 0; t < n; t++) s += at(a, i, t) * at(inverse, t, j);
          worst = Math.max(worst, Math.abs(s - (i === j ? 1 : 0)));
        }
      }
      expect(worst).toBeLessThan(1e-10);
    }
  });

  it("refuses a matrix that is not positive definite, and a wrong size", () => {
    // [[1, 2], [2, 1]] has eigenvalues 3 and −1.
    const indefinite = Float64Array.from([1, 2, 1]);
    expect(() => choleskyInPlace(indefinite, 2)).toThrow(NotPositiveDefiniteError);
    expect(() => choleskyInPlace(new Float64Array(4), 2)).toThrow(RangeError);
  });
});
