/**
 * Item-item similarity of the item-based part, in the ItemKNN formulation (RecBole) with the
 * asymmetric cosine of Aiolli (2013):
 *
 *   sim(a, b) = co(a, b) / (uses(a)^α · uses(b)^(1−α) + shrink)
 *
 * over the USE columns of R (co = clients using both; α = 0.5 is the plain cosine). Declines are
 * not part of it (see training-statistics.ts). For every target service a only its k most similar
 * services N_k(a) with sim > 0 are kept. The score of (client c, service a) is
 * Σ_{j ∈ N_k(a), c uses j} sim(a, j) (+ the decline-aware term of scoring.ts). Scoring walks the
 * client's own cells, so the model also keeps the transposed lists: for each service j, the targets
 * a with j ∈ N_k(a).
 */
import { pairIndex } from "./training-statistics";

/** Similarity of target a to service b from the co-occurrence triangle (α = 0.5: cosine). */
export function cosineFromPairs(pairDot: Int32Array, n: number, a: number, b: number, shrink = 0, alpha = 0.5): number {
  const normA = scaleOf(pairDot[pairIndex(n, a, a)], alpha);
  const normB = scaleOf(pairDot[pairIndex(n, b, b)], 1 - alpha);
  const denominator = normA * normB + shrink;
  if (denominator === 0) return 0;
  return pairDot[a <= b ? pairIndex(n, a, b) : pairIndex(n, b, a)] / denominator;
}

/** Top-k neighbour lists: row a holds N_k(a) by descending similarity, padded with index -1 / similarity 0. */
export interface NeighbourLists {
  k: number;
  index: Int32Array;
  similarity: Float32Array;
}

/** The transposed lists in CSR form: for service j, the targets a (ascending) with j ∈ N_k(a) and sim(a, j). */
export interface ReverseNeighbourLists {
  ptr: Int32Array;
  index: Int32Array;
  similarity: Float32Array;
}

/** uses^exponent, with the exact square root for the plain cosine. */
function scaleOf(uses: number, exponent: number): number {
  const count = Math.max(0, uses);
  return exponent === 0.5 ? Math.sqrt(count) : count ** exponent;
}

/**
 * Keeps the k most similar services of every service (ties: the lower index wins). Cost
 * O(n² log k) time and O(n·k) memory: independent of the number of clients.
 * @param alpha asymmetry of the cosine in [0, 1] (0.5: plain cosine; larger penalises popular targets more).
 * @throws RangeError when k < 1, shrink < 0 or alpha is outside [0, 1].
 */
export function computeNeighbours(
  pairDot: Int32Array,
  n: number,
  k: number,
  shrink: number,
  alpha = 0.5,
): NeighbourLists {
  if (!Number.isInteger(k) || k < 1) throw new RangeError("neighbours must be an integer >= 1");
  if (!(shrink >= 0)) throw new RangeError("shrink must be >= 0");
  if (!(alpha >= 0 && alpha <= 1)) throw new RangeError("alpha must be within [0, 1]");
  if (pairDot.length !== (n * (n + 1)) / 2) throw new RangeError("pairDot does not match the number of services");
  const targetScale = new Float64Array(n);
  const norms = new Float64Array(n);
  for (let a = 0; a < n; a++) {
    targetScale[a] = scaleOf(pairDot[pairIndex(n, a, a)], alpha);
    norms[a] = scaleOf(pairDot[pairIndex(n, a, a)], 1 - alpha);
  }
  const index = new Int32Array(n * k).fill(-1);
  const similarity = new Float32Array(n * k);
  // Min-heap of the current best k: the root is the worst kept neighbour.
  const heapSim = new Float64Array(k);
  const heapIdx = new Int32Array(k);
  const worse = (i: number, j: number) =>
    heapSim[i] < heapSim[j] || (heapSim[i] === heapSim[j] && heapIdx[i] > heapIdx[j]);
  const swap = (i: number, j: number) => {
    const s = heapSim[i];
    heapSim[i] = heapSim[j];
    heapSim[j] = s;
    const t = heapIdx[i];
    heapIdx[i] = heapIdx[j];
    heapIdx[j] = t;
  };
  const siftDown = (size: number, i: number) => {
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < size && worse(l, m)) m = l;
      if (r < size && worse(r, m)) m = r;
      if (m === i) return;
      swap(i, m);
      i = m;
    }
  };
  for (let a = 0; a < n; a++) {
    const normA = targetScale[a];
    if (normA === 0) continue;
    let size = 0;
    const consider = (b: number, dot: number) => {
      if (dot <= 0) return;
      const sim = dot / (normA * norms[b] + shrink);
      if (size < k) {
        heapSim[size] = sim;
        heapIdx[size] = b;
        size++;
        for (let i = size - 1; i > 0; ) {
          const parent = (i - 1) >> 1;
          if (!worse(i, parent)) break;
          swap(i, parent);
          i = parent;
        }
      } else if (sim > heapSim[0] || (sim === heapSim[0] && b < heapIdx[0])) {
        heapSim[0] = sim;
        heapIdx[0] = b;
        siftDown(size, 0);
      }
    };
    // Column a of the triangle: cells (b, a) for b < a, then the contiguous row (a, b) for b > a.
    for (let b = 0; b < a; b++) {
      const dot = pairDot[pairIndex(n, b, a)];
      if (dot > 0) consider(b, dot);
    }
    const rowStart = pairIndex(n, a, a);
    for (let b = a + 1; b < n; b++) {
      const dot = pairDot[rowStart + (b - a)];
      if (dot > 0) consider(b, dot);
    }
    // Pop the heap worst-first into the row from the back: the row ends up best-first.
    for (let position = size - 1; position >= 0; position--) {
      index[a * k + position] = heapIdx[0];
      similarity[a * k + position] = heapSim[0];
      size--;
      if (size > 0) {
        heapSim[0] = heapSim[size];
        heapIdx[0] = heapIdx[size];
        siftDown(size, 0);
      }
    }
  }
  return { k, index, similarity };
}

/** Builds the transposed neighbour lists used by scoring. */
export function reverseNeighbours(lists: NeighbourLists, n: number): ReverseNeighbourLists {
  const { k, index, similarity } = lists;
  const ptr = new Int32Array(n + 1);
  for (let i = 0; i < index.length; i++) if (index[i] >= 0) ptr[index[i] + 1]++;
  for (let j = 0; j < n; j++) ptr[j + 1] += ptr[j];
  const fill = ptr.slice(0, n);
  const reverseIndex = new Int32Array(ptr[n]);
  const reverseSimilarity = new Float32Array(ptr[n]);
  for (let a = 0; a < n; a++) {
    for (let t = 0; t < k; t++) {
      const j = index[a * k + t];
      if (j < 0) break;
      const slot = fill[j]++;
      reverseIndex[slot] = a;
      reverseSimilarity[slot] = similarity[a * k + t];
    }
  }
  return { ptr, index: reverseIndex, similarity: reverseSimilarity };
}
