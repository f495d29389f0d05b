/**
 * The scorer's reusable per-model buffers (src/domain/recommender/scoring.ts): allocated once per
 * model, put back to their neutral values after every call, so scoring allocates nothing per service.
 * Also the min-heap of the best services a call keeps.
 */
import { activeGroupMask } from "./groups";
import type { RecommenderModel } from "./model";

/** The heap's first size; it grows to a call's `limit` when one asks for more. */
const INITIAL_HEAP_CAPACITY = 10;

/** Reusable per-model buffers: scoring allocates nothing per service. */
export interface Scratch {
  item: Float64Array;
  linkKeep: Float64Array;
  bestLinkSource: Int32Array;
  bestLinkWeight: Float64Array;
  blocked: Uint8Array;
  /** The client's value of each service during a call (0 = no cell); cleared before returning. */
  cellValue: Int8Array;
  profile: Float64Array;
  profileIndex: Int32Array;
  groupSimilarity: Float64Array;
  activeGroups: Uint8Array;
  topGroups: Int32Array;
  topWeights: Float64Array;
  heapZ: Float64Array;
  heapService: Int32Array;
  /** The kept services best-first (and their blend logits), drained from the heap. */
  order: Int32Array;
  orderZ: Float64Array;
  /** n zeros: stands in for the rows of groups a client does not have. */
  zeroRow: Float32Array;
  /** rank + 1 of each recommended service during reason building, 0 otherwise. */
  winnerRank: Int32Array;
  /** Per rank: the client's best neighbour of the service and its similarity. */
  rankNeighbour: Int32Array;
  rankSimilarity: Float64Array;
  /** `reverseNeighbourSimilarity` with its negative weights set to 0: what a decline adds. */
  positiveSimilarity: Float32Array;
  /** Decayed browsing strength per service during a call (0 = none); cleared before returning. */
  interest: Float64Array;
}

const scratchByModel = new WeakMap<RecommenderModel, Scratch>();

export function scratchFor(model: RecommenderModel): Scratch {
  let scratch = scratchByModel.get(model);
  if (scratch) return scratch;
  const n = model.nServices;
  const G = model.nGroups;
  // A group is usable when it has members and a centroid (the same rule the accumulator applies).
  const activeGroups = activeGroupMask(model.centroids, G);
  for (let g = 0; g < G; g++) if (model.groupMembers[g] <= 0) activeGroups[g] = 0;
  const m = Math.max(1, model.config.nearestGroups);
  scratch = {
    item: new Float64Array(n),
    linkKeep: new Float64Array(n).fill(1),
    bestLinkSource: new Int32Array(n).fill(-1),
    bestLinkWeight: new Float64Array(n),
    blocked: new Uint8Array(n),
    cellValue: new Int8Array(n),
    profile: new Float64Array(model.profileDims),
    profileIndex: new Int32Array(model.profileDims),
    groupSimilarity: new Float64Array(G),
    activeGroups,
    topGroups: new Int32Array(m),
    topWeights: new Float64Array(m),
    heapZ: new Float64Array(INITIAL_HEAP_CAPACITY),
    heapService: new Int32Array(INITIAL_HEAP_CAPACITY),
    order: new Int32Array(INITIAL_HEAP_CAPACITY),
    orderZ: new Float64Array(INITIAL_HEAP_CAPACITY),
    zeroRow: new Float32Array(n),
    winnerRank: new Int32Array(n),
    rankNeighbour: new Int32Array(INITIAL_HEAP_CAPACITY),
    rankSimilarity: new Float64Array(INITIAL_HEAP_CAPACITY),
    positiveSimilarity: model.reverseNeighbourSimilarity.map((w) => Math.max(w, 0)),
    interest: new Float64Array(n),
  };
  scratchByModel.set(model, scratch);
  return scratch;
}

/** True when heap entry i ranks below entry j (lower z, or equal z and higher service index). */
export function ranksBelow(z: Float64Array, service: Int32Array, i: number, j: number): boolean {
  return z[i] < z[j] || (z[i] === z[j] && service[i] > service[j]);
}

export function siftDown(z: Float64Array, service: Int32Array, size: number, i: number): void {
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < size && ranksBelow(z, service, l, m)) m = l;
    if (r < size && ranksBelow(z, service, r, m)) m = r;
    if (m === i) return;
    swap(z, service, i, m);
    i = m;
  }
}

/** Moves the new heap entry i up to its place (the worst kept entry stays at the root). */
export function siftUp(z: Float64Array, service: Int32Array, i: number): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    if (!ranksBelow(z, service, i, parent)) return;
    swap(z, service, i, parent);
    i = parent;
  }
}

function swap(z: Float64Array, service: Int32Array, i: number, j: number): void {
  const tz = z[i];
  z[i] = z[j];
  z[j] = tz;
  const ts = service[i];
  service[i] = service[j];
  service[j] = ts;
}

/** Puts back the neutral value of every scratch entry a call touched (O(cells + their links)). */
export function restore(
  model: RecommenderModel,
  scratch: Scratch,
  services: ArrayLike<number>,
  values: ArrayLike<number>,
  cells: number,
): void {
  const n = model.nServices;
  for (let i = 0; i < cells; i++) {
    const j = services[i];
    if (!(Number.isInteger(j) && j >= 0 && j < n)) continue;
    scratch.cellValue[j] = 0;
    scratch.blocked[j] = 0;
    if (values[i] !== 1) continue;
    for (let p = model.linkPtr[j]; p < model.linkPtr[j + 1]; p++) {
      const s = model.linkTarget[p];
      scratch.linkKeep[s] = 1;
      scratch.bestLinkSource[s] = -1;
      scratch.bestLinkWeight[s] = 0;
    }
  }
}
