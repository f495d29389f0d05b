/**
 * Exact user-kNN over all training clients, for offline evaluation only (the platform uses the
 * reference groups instead, which do not scan clients per request). Clients are compared by the
 * cosine of the same client vectors the reference groups cluster (`features.ts`); the score of a
 * service is Σ over the k most similar clients v of sim(c, v) · R[v, s].
 */
import type { Dataset } from "../dataset";
import {
  encodeDatasetProfileInto,
  type FeatureSpace,
  featureLayout,
  interactionScaleOf,
  profileScaleOf,
} from "./features";

export class ExactUserKnn {
  private readonly rows: number;
  private readonly profileDims: number;
  /** rows × P scaled profile parts. */
  private readonly profiles: Float32Array;
  /** Per-row factor of each ±1 cell. */
  private readonly cellScale: Float64Array;
  /** Service → clients (CSC of R). */
  private readonly servicePtr: Int32Array;
  private readonly serviceRows: Int32Array;
  private readonly serviceValues: Int8Array;
  private readonly similarity: Float64Array;
  private readonly heapSim: Float64Array;
  private readonly heapRow: Int32Array;

  /**
   * @param neighbours k: clients kept per scored client (default 50).
   */
  constructor(
    private readonly data: Dataset,
    space: FeatureSpace,
    private readonly neighbours = 50,
  ) {
    const layout = featureLayout(space);
    const c = data.clients;
    const r = data.interactions;
    this.rows = c.count;
    this.profileDims = layout.profileDims;
    this.profiles = new Float32Array(this.rows * layout.profileDims);
    this.cellScale = new Float64Array(this.rows);
    const profile = new Float64Array(layout.profileDims);
    for (let row = 0; row < this.rows; row++) {
      const nonZero = r.rowPtr[row + 1] - r.rowPtr[row];
      const hasProfile = encodeDatasetProfileInto(space, layout, c, row, profile);
      const scale = profileScaleOf(space, hasProfile, nonZero);
      for (let p = 0; p < layout.profileDims; p++) this.profiles[row * layout.profileDims + p] = profile[p] * scale;
      this.cellScale[row] = interactionScaleOf(space, hasProfile, nonZero);
    }
    const n = data.nServices;
    this.servicePtr = new Int32Array(n + 1);
    for (let row = 0; row < this.rows; row++) {
      for (let i = r.rowPtr[row]; i < r.rowPtr[row + 1]; i++) this.servicePtr[r.col[i] + 1]++;
    }
    for (let s = 0; s < n; s++) this.servicePtr[s + 1] += this.servicePtr[s];
    const fill = this.servicePtr.slice(0, n);
    this.serviceRows = new Int32Array(this.servicePtr[n]);
    this.serviceValues = new Int8Array(this.servicePtr[n]);
    for (let row = 0; row < this.rows; row++) {
      for (let i = r.rowPtr[row]; i < r.rowPtr[row + 1]; i++) {
        const slot = fill[r.col[i]]++;
        this.serviceRows[slot] = row;
        this.serviceValues[slot] = r.value[i];
      }
    }
    this.similarity = new Float64Array(this.rows);
    this.heapSim = new Float64Array(neighbours);
    this.heapRow = new Int32Array(neighbours);
  }

  /** Scores every service for training client `row` into `out` (length nServices). */
  scoreInto(row: number, out: Float64Array): void {
    const P = this.profileDims;
    const sim = this.similarity;
    const r = this.data.interactions;
    for (let v = 0; v < this.rows; v++) {
      let dot = 0;
      for (let p = 0; p < P; p++) dot += this.profiles[row * P + p] * this.profiles[v * P + p];
      sim[v] = dot;
    }
    const scale = this.cellScale[row];
    for (let i = r.rowPtr[row]; i < r.rowPtr[row + 1]; i++) {
      const s = r.col[i];
      const value = r.value[i] * scale;
      for (let p = this.servicePtr[s]; p < this.servicePtr[s + 1]; p++) {
        const v = this.serviceRows[p];
        sim[v] += value * this.serviceValues[p] * this.cellScale[v];
      }
    }
    sim[row] = Number.NEGATIVE_INFINITY;
    // Top-k neighbours by a min-heap (ties: lower row wins).
    const k = Math.min(this.neighbours, this.rows - 1);
    const hs = this.heapSim;
    const hr = this.heapRow;
    let size = 0;
    const below = (i: number, j: number) => hs[i] < hs[j] || (hs[i] === hs[j] && hr[i] > hr[j]);
    const swap = (i: number, j: number) => {
      const t = hs[i];
      hs[i] = hs[j];
      hs[j] = t;
      const u = hr[i];
      hr[i] = hr[j];
      hr[j] = u;
    };
    for (let v = 0; v < this.rows; v++) {
      const value = sim[v];
      if (!(value > 0)) continue;
      if (size < k) {
        hs[size] = value;
        hr[size] = v;
        for (let i = size++; i > 0; ) {
          const parent = (i - 1) >> 1;
          if (!below(i, parent)) break;
          swap(i, parent);
          i = parent;
        }
      } else if (k > 0 && value > hs[0]) {
        hs[0] = value;
        hr[0] = v;
        for (let i = 0; ; ) {
          const l = 2 * i + 1;
          const rr = l + 1;
          let m = i;
          if (l < size && below(l, m)) m = l;
          if (rr < size && below(rr, m)) m = rr;
          if (m === i) break;
          swap(i, m);
          i = m;
        }
      }
    }
    out.fill(0);
    for (let t = 0; t < size; t++) {
      const v = hr[t];
      const weight = hs[t];
      for (let i = r.rowPtr[v]; i < r.rowPtr[v + 1]; i++) out[r.col[i]] += weight * r.value[i];
    }
  }
}
