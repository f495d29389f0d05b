/**
 * Dense symmetric positive definite algebra for EASE on `Float64Array`, in packed lower-triangular
 * row-major storage (cell (i, j), j <= i, at i(i+1)/2 + j): an n × n matrix takes n(n+1)/2 doubles,
 * 16 MB for 2,000 services, and every row prefix is contiguous, so each inner loop below is a dot
 * product or an axpy over contiguous memory.
 *
 * The three O(n³) steps are blocked by BLOCK rows so that the rows they stream (a panel of BLOCK rows
 * of at most n doubles, ≈ 1 MB) stay in cache while the other rows are visited once per block; without
 * blocking each step streams the whole triangle once per row (tens of GB for n = 2,000).
 */

/** Rows per block: 64 rows × 2,000 doubles ≈ 1 MB, an L2-sized panel. */
const BLOCK = 64;

/** Offset of cell (i, j), j <= i, in packed lower storage. */
export function packedIndex(i: number, j: number): number {
  return (i * (i + 1)) / 2 + j;
}

/** A matrix that is not (numerically) positive definite. */
export class NotPositiveDefiniteError extends RangeError {
  constructor(row: number) {
    super(`matrix is not positive definite (pivot ${row})`);
    this.name = "NotPositiveDefiniteError";
  }
}

/**
 * Cholesky factorisation A = L·Lᵀ in place (right-looking, blocked): on return the packed lower
 * triangle holds L. Cost n³/6 multiply-adds.
 * @throws NotPositiveDefiniteError when a pivot is not positive.
 * @throws RangeError when the array does not hold n(n+1)/2 cells.
 */
export function choleskyInPlace(a: Float64Array, n: number): void {
  if (a.length !== (n * (n + 1)) / 2) throw new RangeError("packed matrix does not hold n(n+1)/2 cells");
  for (let kb = 0; kb < n; kb += BLOCK) {
    const ke = Math.min(n, kb + BLOCK);
    // Panel: columns [kb, ke) of every row i >= kb, from the columns < kb already subtracted.
    for (let i = kb; i < n; i++) {
      const rowI = packedIndex(i, 0);
      const last = Math.min(i, ke - 1);
      for (let j = kb; j <= last; j++) {
        const rowJ = packedIndex(j, 0);
        let s = a[rowI + j];
        for (let t = kb; t < j; t++) s -= a[rowI + t] * a[rowJ + t];
        if (i === j) {
          if (!(s > 0)) throw new NotPositiveDefiniteError(i);
          a[rowI + i] = Math.sqrt(s);
        } else {
          a[rowI + j] = s / a[rowJ + j];
        }
      }
    }
    // Trailing update: A[i][j] −= L[i][kb:ke] · L[j][kb:ke] for ke <= j <= i.
    // Four columns j at a time share each load of row i's panel.
    for (let i = ke; i < n; i++) {
      const rowI = packedIndex(i, 0);
      let j = ke;
      for (; j + 3 <= i; j += 4) {
        const r0 = packedIndex(j, 0);
        const r1 = r0 + j + 1;
        const r2 = r1 + j + 2;
        const r3 = r2 + j + 3;
        let s0 = 0;
        let s1 = 0;
        let s2 = 0;
        let s3 = 0;
        for (let t = kb; t < ke; t++) {
          const x = a[rowI + t];
          s0 += x * a[r0 + t];
          s1 += x * a[r1 + t];
          s2 += x * a[r2 + t];
          s3 += x * a[r3 + t];
        }
        a[rowI + j] -= s0;
        a[rowI + j + 1] -= s1;
        a[rowI + j + 2] -= s2;
        a[rowI + j + 3] -= s3;
      }
      for (; j <= i; j++) {
        const rowJ = packedIndex(j, 0);
        let s = 0;
        for (let t = kb; t < ke; t++) s += a[rowI + t] * a[rowJ + t];
        a[rowI + j] -= s;
      }
    }
  }
}

/**
 * Inverts a lower-triangular L in place (packed): row i of W = L⁻¹ is
 * (e_i − Σ_{t<i} L[i][t]·W[t]) / L[i][i]. Rows are computed a block at a time: the rows before the
 * block are streamed once per block into BLOCK accumulators. Cost n³/6 multiply-adds, one n × BLOCK
 * scratch buffer.
 */
export function invertLowerInPlace(l: Float64Array, n: number): void {
  if (l.length !== (n * (n + 1)) / 2) throw new RangeError("packed matrix does not hold n(n+1)/2 cells");
  const acc = new Float64Array(BLOCK * n);
  for (let ib = 0; ib < n; ib += BLOCK) {
    const ie = Math.min(n, ib + BLOCK);
    acc.fill(0);
    // Contributions of the finished rows t < ib (each a W row of length t + 1).
    // Four finished rows at a time: each accumulator cell is loaded and stored once per four rows.
    let t = 0;
    for (; t + 3 < ib; t += 4) {
      const r0 = packedIndex(t, 0);
      const r1 = r0 + t + 1;
      const r2 = r1 + t + 2;
      const r3 = r2 + t + 3;
      for (let i = ib; i < ie; i++) {
        const rowI = packedIndex(i, 0);
        const c0 = l[rowI + t];
        const c1 = l[rowI + t + 1];
        const c2 = l[rowI + t + 2];
        const c3 = l[rowI + t + 3];
        const base = (i - ib) * n;
        for (let j = 0; j <= t; j++) {
          acc[base + j] += c0 * l[r0 + j] + c1 * l[r1 + j] + c2 * l[r2 + j] + c3 * l[r3 + j];
        }
        acc[base + t + 1] += c1 * l[r1 + t + 1] + c2 * l[r2 + t + 1] + c3 * l[r3 + t + 1];
        acc[base + t + 2] += c2 * l[r2 + t + 2] + c3 * l[r3 + t + 2];
        acc[base + t + 3] += c3 * l[r3 + t + 3];
      }
    }
    for (; t < ib; t++) {
      const rowT = packedIndex(t, 0);
      for (let i = ib; i < ie; i++) {
        const coefficient = l[packedIndex(i, 0) + t];
        if (coefficient === 0) continue;
        const base = (i - ib) * n;
        for (let j = 0; j <= t; j++) acc[base + j] += coefficient * l[rowT + j];
      }
    }
    // Inside the block, in order: row i needs the W rows ib..i−1 just written.
    for (let i = ib; i < ie; i++) {
      const rowI = packedIndex(i, 0);
      const base = (i - ib) * n;
      for (let t = ib; t < i; t++) {
        const coefficient = l[rowI + t];
        if (coefficient === 0) continue;
        const rowT = packedIndex(t, 0);
        for (let j = 0; j <= t; j++) acc[base + j] += coefficient * l[rowT + j];
      }
      const inverseDiagonal = 1 / l[rowI + i];
      for (let j = 0; j < i; j++) l[rowI + j] = -acc[base + j] * inverseDiagonal;
      l[rowI + i] = inverseDiagonal;
    }
  }
}

/**
 * P = WᵀW for a packed lower-triangular W (so P = A⁻¹ when W = L⁻¹ and A = L·Lᵀ), into a new packed
 * array: P[i][j] = Σ_{t >= i} W[t][i]·W[t][j]. Rows t of W are taken a block at a time, and each P row
 * is visited once per block. Cost n³/6 multiply-adds.
 */
export function gramOfLower(w: Float64Array, n: number): Float64Array {
  if (w.length !== (n * (n + 1)) / 2) throw new RangeError("packed matrix does not hold n(n+1)/2 cells");
  const p = new Float64Array(w.length);
  for (let tb = 0; tb < n; tb += BLOCK) {
    const te = Math.min(n, tb + BLOCK);
    for (let i = 0; i < te; i++) {
      const rowP = packedIndex(i, 0);
      let t = Math.max(tb, i);
      // Four W rows at a time: each P cell is loaded and stored once per four rows.
      for (; t + 3 < te; t += 4) {
        const r0 = packedIndex(t, 0);
        const r1 = r0 + t + 1;
        const r2 = r1 + t + 2;
        const r3 = r2 + t + 3;
        const c0 = w[r0 + i];
        const c1 = w[r1 + i];
        const c2 = w[r2 + i];
        const c3 = w[r3 + i];
        for (let j = 0; j <= i; j++) p[rowP + j] += c0 * w[r0 + j] + c1 * w[r1 + j] + c2 * w[r2 + j] + c3 * w[r3 + j];
      }
      for (; t < te; t++) {
        const rowT = packedIndex(t, 0);
        const coefficient = w[rowT + i];
        if (coefficient === 0) continue;
        for (let j = 0; j <= i; j++) p[rowP + j] += coefficient * w[rowT + j];
      }
    }
  }
  return p;
}

/**
 * Inverse of a symmetric positive definite matrix given packed (the input is overwritten by L⁻¹).
 * Peak extra memory: one more packed matrix plus n × 64 doubles.
 */
export function invertSymmetricPositiveDefinite(a: Float64Array, n: number): Float64Array {
  choleskyInPlace(a, n);
  invertLowerInPlace(a, n);
  return gramOfLower(a, n);
}
