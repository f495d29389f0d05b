/**
 * EASE (Steck 2019, "Embarrassingly Shallow Autoencoders for Sparse Data"): the closed-form item
 * model B = argmin ‖X − XB‖² + λ‖B‖² subject to diag(B) = 0, computed from the Gram matrix
 * G = XᵀX of uses that the statistics already keep (the pair triangle):
 *
 *   P = (G + λI)⁻¹,   B[j][a] = −P[j][a] / P[a][a]  (j ≠ a)
 *
 * and the score of target a for a client is Σ_{j used} B[j][a]. To keep the artefact the size of the
 * item-kNN lists, each target keeps only its k weights of largest magnitude, in the same
 * neighbour-list layout (`NeighbourLists`), so scoring and the transposed lists are unchanged. The
 * negative weights are kept with their sign: "clients who use j rarely use a as well" is half of
 * what EASE learns, and dropping it cost 0.026 NDCG@10 on the MovieLens-shaped set (0.4218 signed
 * against 0.3963 positive-only, unpruned, λ = 16). Declines only ever add the positive weights
 * (scoring), so a decline still never subtracts.
 *
 * λ is given relative to the mean diagonal of G (uses per service), so one setting carries over
 * between a 3,000-client and a 300,000-client history; the evaluation chooses it on an inner split.
 * Cost: n³/2 multiply-adds and n(n+1)/2 doubles twice (2 × 16 MB at 2,000 services), independent
 * of the number of clients.
 */
import type { NeighbourLists } from "./similarity";
import { invertSymmetricPositiveDefinite, packedIndex } from "./symmetric-solve";
import { pairIndex } from "./training-statistics";

/** The absolute λ: relative × mean uses per service (at least the relative value itself, so empty statistics stay solvable). */
export function absoluteEaseLambda(pairDot: Int32Array, n: number, relative: number): number {
  let diagonal = 0;
  for (let a = 0; a < n; a++) diagonal += Math.max(0, pairDot[pairIndex(n, a, a)]);
  const mean = n > 0 ? diagonal / n : 0;
  return relative * Math.max(1, mean);
}

/**
 * P = (G + λI)⁻¹ in packed lower storage, from the upper-triangle Gram matrix of the statistics.
 * @throws RangeError when relativeLambda is not > 0.
 */
export function easePrecision(pairDot: Int32Array, n: number, relativeLambda: number): Float64Array {
  if (!(relativeLambda > 0)) throw new RangeError("EASE lambda must be > 0");
  if (pairDot.length !== (n * (n + 1)) / 2) throw new RangeError("pairDot does not match the number of services");
  const lambda = absoluteEaseLambda(pairDot, n, relativeLambda);
  const a = new Float64Array((n * (n + 1)) / 2);
  for (let i = 0; i < n; i++) {
    const row = packedIndex(i, 0);
    // Lower cell (i, j) = upper cell (j, i); negative counts (a bad delta) are read as 0.
    for (let j = 0; j < i; j++) a[row + j] = Math.max(0, pairDot[pairIndex(n, j, i)]);
    a[row + i] = Math.max(0, pairDot[pairIndex(n, i, i)]) + lambda;
  }
  return invertSymmetricPositiveDefinite(a, n);
}

/**
 * The EASE weights pruned to the k B[j][a] of largest magnitude of every target a (ties: the lower
 * j), with their sign, ordered by weight (the positive ones first, strongest first; ties: the lower
 * j), -1 padded: the neighbour lists of the item part. Zero weights are not kept.
 * @throws RangeError when k < 1 or relativeLambda <= 0.
 */
export function easeNeighbours(pairDot: Int32Array, n: number, k: number, relativeLambda: number): NeighbourLists {
  if (!Number.isInteger(k) || k < 1) throw new RangeError("neighbours must be an integer >= 1");
  const p = easePrecision(pairDot, n, relativeLambda);
  const inverseDiagonal = new Float64Array(n);
  for (let a = 0; a < n; a++) inverseDiagonal[a] = 1 / p[packedIndex(a, a)];
  const lists = new TopKLists(n, k);
  for (let i = 0; i < n; i++) {
    const row = packedIndex(i, 0);
    for (let j = 0; j < i; j++) {
      const off = p[row + j];
      if (off === 0) continue;
      // B = −P[i][j] / P[a][a]: the same sign in both directions, only the scaling differs.
      const magnitude = Math.abs(off);
      lists.offer(i, j, magnitude * inverseDiagonal[i]);
      lists.offer(j, i, magnitude * inverseDiagonal[j]);
    }
  }
  const kept = lists.drain();
  // Restore the signs, then order each list by signed weight.
  const order: number[] = [];
  const weights = new Float64Array(k);
  const indices = new Int32Array(k);
  for (let a = 0; a < n; a++) {
    const base = a * k;
    let size = 0;
    while (size < k && kept.index[base + size] >= 0) size++;
    order.length = 0;
    for (let t = 0; t < size; t++) {
      const j = kept.index[base + t];
      const off = p[packedIndex(Math.max(a, j), Math.min(a, j))];
      weights[t] = off < 0 ? kept.similarity[base + t] : -kept.similarity[base + t];
      indices[t] = j;
      order.push(t);
    }
    order.sort((x, y) => weights[y] - weights[x] || indices[x] - indices[y]);
    for (let t = 0; t < size; t++) {
      kept.index[base + t] = indices[order[t]];
      kept.similarity[base + t] = weights[order[t]];
    }
  }
  return kept;
}

/**
 * n bounded min-heaps at once: `offer(target, neighbour, weight)` keeps the k largest weights of each
 * target (ties: lower neighbour index). O(log k) per accepted offer, O(1) per rejected one.
 */
export class TopKLists {
  private readonly weight: Float64Array;
  private readonly index: Int32Array;
  private readonly size: Int32Array;

  constructor(
    private readonly n: number,
    private readonly k: number,
  ) {
    this.weight = new Float64Array(n * k);
    this.index = new Int32Array(n * k);
    this.size = new Int32Array(n);
  }

  /** True when (w1, i1) ranks below (w2, i2). */
  private static below(w1: number, i1: number, w2: number, i2: number): boolean {
    return w1 < w2 || (w1 === w2 && i1 > i2);
  }

  offer(target: number, neighbour: number, weight: number): void {
    const base = target * this.k;
    const size = this.size[target];
    const w = this.weight;
    const idx = this.index;
    if (size < this.k) {
      let i = size;
      this.size[target] = size + 1;
      while (i > 0) {
        const parent = (i - 1) >> 1;
        if (!TopKLists.below(weight, neighbour, w[base + parent], idx[base + parent])) break;
        w[base + i] = w[base + parent];
        idx[base + i] = idx[base + parent];
        i = parent;
      }
      w[base + i] = weight;
      idx[base + i] = neighbour;
      return;
    }
    if (!TopKLists.below(w[base], idx[base], weight, neighbour)) return;
    this.siftDown(base, size, weight, neighbour);
  }

  /** Puts (weight, neighbour) at the root of a full heap and restores the heap order. */
  private siftDown(base: number, size: number, weight: number, neighbour: number): void {
    const w = this.weight;
    const idx = this.index;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= size) break;
      const r = l + 1;
      let m = l;
      if (r < size && TopKLists.below(w[base + r], idx[base + r], w[base + l], idx[base + l])) m = r;
      if (!TopKLists.below(w[base + m], idx[base + m], weight, neighbour)) break;
      w[base + i] = w[base + m];
      idx[base + i] = idx[base + m];
      i = m;
    }
    w[base + i] = weight;
    idx[base + i] = neighbour;
  }

  /** The lists best first, -1 / 0 padded (consumes the heaps). */
  drain(): NeighbourLists {
    const { n, k } = this;
    const index = new Int32Array(n * k).fill(-1);
    const similarity = new Float32Array(n * k);
    for (let a = 0; a < n; a++) {
      const base = a * k;
      for (let size = this.size[a]; size > 0; size--) {
        index[base + size - 1] = this.index[base];
        similarity[base + size - 1] = this.weight[base];
        const lastWeight = this.weight[base + size - 1];
        const lastIndex = this.index[base + size - 1];
        if (size > 1) this.siftDown(base, size - 1, lastWeight, lastIndex);
      }
    }
    return { k, index, similarity };
  }
}
