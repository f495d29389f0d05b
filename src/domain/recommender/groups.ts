/**
 * Reference groups ("reference buyers"): spherical k-means of client vectors under cosine. Chunked
 * so that a full rebuild streams clients from D1 pages (e.g. 5,000 per page) and never holds more
 * than one page plus the centroids:
 *
 *   1. `observe(chunk)` over all clients: a reservoir sample (default 40 × groups, 1,000..5,000) for seeding;
 *   2. `initialise()`: k-means++ seeding on the sample (cosine distance 1 − cos);
 *   3. Lloyd passes: `beginPass()`, `addChunk(chunk)` for every page, `endPass()`; repeat until the
 *      mean cosine to the assigned centroid stops improving (see `rebuildStatistics`).
 *
 * Memory: centroids D × G float32 (dimension-major) plus pass sums D × G float64, D = P + nServices
 * (64 groups × 2,050 dims: 0.5 MB + 1 MB); the sample holds only the sampled clients' non-zero cells.
 * CPU per client and pass: G × (P + the client's non-zero cells) multiply-adds.
 */
import type { Dataset } from "../dataset";
import { Rng } from "../random";
import {
  encodeDatasetProfileInto,
  type FeatureLayout,
  type FeatureSpace,
  featureLayout,
  interactionScaleOf,
  profileScaleOf,
} from "./features";

/** Writes the indices of the non-zero entries of `profile` into `out`; returns how many. */
export function nonZeroIndices(profile: Float64Array, out: Int32Array): number {
  let count = 0;
  for (let p = 0; p < profile.length; p++) if (profile[p] !== 0) out[count++] = p;
  return count;
}

/**
 * Cosine of one client with every centroid, written into `out[0..nGroups)`. Centroids are stored
 * dimension-major (`centroids[d * G + g]`), so each of the client's few non-zero dimensions reads
 * one contiguous run of G values. The client is given as its unit profile part (`profile`, P dims,
 * unscaled, non-zero dims listed in `profileIndex[0..profileNonZero)`) and a slice of its row;
 * inactive (never seeded or empty) groups get -Infinity so they are never chosen.
 */
export function centroidSimilarities(
  centroids: Float32Array,
  activeGroups: Uint8Array,
  layout: FeatureLayout,
  profile: Float64Array,
  profileIndex: Int32Array,
  profileNonZero: number,
  profileScale: number,
  services: ArrayLike<number>,
  values: ArrayLike<number>,
  start: number,
  end: number,
  interactionScale: number,
  out: Float64Array,
): void {
  const G = activeGroups.length;
  const profileDims = layout.profileDims;
  const nServices = layout.vectorDims - profileDims;
  out.fill(0, 0, G);
  if (profileScale !== 0) {
    for (let t = 0; t < profileNonZero; t++) {
      const p = profileIndex[t];
      const x = profile[p] * profileScale;
      const base = p * G;
      for (let g = 0; g < G; g++) out[g] += x * centroids[base + g];
    }
  }
  for (let i = start; i < end; i++) {
    const s = services[i];
    if (s >= nServices) continue;
    const x = values[i] * interactionScale;
    const base = (profileDims + s) * G;
    for (let g = 0; g < G; g++) out[g] += x * centroids[base + g];
  }
  for (let g = 0; g < G; g++) if (activeGroups[g] === 0) out[g] = Number.NEGATIVE_INFINITY;
}

/** Index of the largest similarity (lowest index on ties); -1 when every group is inactive. */
export function argmaxGroup(similarities: Float64Array, nGroups: number): number {
  let best = -1;
  let bestValue = Number.NEGATIVE_INFINITY;
  for (let g = 0; g < nGroups; g++) {
    if (similarities[g] > bestValue) {
      bestValue = similarities[g];
      best = g;
    }
  }
  return best;
}

/** 1 for every group whose (dimension-major) centroid is not all zeros. */
export function activeGroupMask(centroids: Float32Array, nGroups: number): Uint8Array {
  const mask = new Uint8Array(nGroups);
  for (let i = 0; i < centroids.length; i++) if (centroids[i] !== 0) mask[i % nGroups] = 1;
  return mask;
}

/**
 * Nearest group of a dense client vector (from `encodeClientVector`) among dimension-major
 * `centroids`: the group to store with the client when it is written. -1 when no group is active.
 */
export function nearestGroupOfVector(
  centroids: Float32Array,
  nGroups: number,
  vector: Float32Array,
  active: Uint8Array = activeGroupMask(centroids, nGroups),
): number {
  const dims = vector.length;
  if (centroids.length !== nGroups * dims) throw new RangeError("vector dimension does not match the centroids");
  const sims = new Float64Array(nGroups);
  for (let d = 0; d < dims; d++) {
    const x = vector[d];
    if (x === 0) continue;
    for (let g = 0; g < nGroups; g++) sims[g] += x * centroids[d * nGroups + g];
  }
  for (let g = 0; g < nGroups; g++) if (active[g] === 0) sims[g] = Number.NEGATIVE_INFINITY;
  return argmaxGroup(sims, nGroups);
}

/** A sampled client kept for seeding: scaled profile part and scaled non-zero cells. */
interface SampledClient {
  profile: Float32Array;
  services: Int32Array;
  values: Float32Array;
}

/** Result of one Lloyd pass. */
export interface KMeansPassResult {
  /** Mean cosine of the clients to their nearest centroid before the update (the objective, higher is better). */
  meanSimilarity: number;
  clients: number;
  /** Groups that received no client and were reseeded from the sample. */
  reseeded: number;
}

/** Options of `SphericalKMeans`. */
export interface KMeansOptions {
  /** Number of reference groups G (>= 1). */
  groups: number;
  /** Seed of the sampling and k-means++ draws. */
  seed?: number;
  /** Reservoir size for seeding; default clamp(40 × groups, 1,000, 5,000). */
  sampleSize?: number;
}

/** Chunked spherical k-means; see the module comment for the call sequence. */
export class SphericalKMeans {
  readonly space: FeatureSpace;
  readonly layout: FeatureLayout;
  readonly nGroups: number;
  /** Unit centroids, dimension-major (`[d * G + g]`); an all-zero centroid is an inactive group. */
  readonly centroids: Float32Array;
  private readonly rng: Rng;
  private readonly sampleCapacity: number;
  private readonly sample: SampledClient[] = [];
  private observed = 0;
  private readonly profile: Float64Array;
  private readonly profileIndex: Int32Array;
  private readonly similarities: Float64Array;
  private passSums: Float64Array | null = null;
  private readonly passCounts: Int32Array;
  private passSimilarity = 0;
  private passClients = 0;

  constructor(space: FeatureSpace, options: KMeansOptions) {
    if (!Number.isInteger(options.groups) || options.groups < 1) throw new RangeError("groups must be an integer >= 1");
    this.space = space;
    this.layout = featureLayout(space);
    this.nGroups = options.groups;
    this.centroids = new Float32Array(this.nGroups * this.layout.vectorDims);
    this.rng = new Rng(options.seed ?? 1, 0x6b6d);
    this.sampleCapacity = options.sampleSize ?? Math.min(5000, Math.max(1000, 40 * this.nGroups));
    this.profile = new Float64Array(this.layout.profileDims);
    this.profileIndex = new Int32Array(this.layout.profileDims);
    this.similarities = new Float64Array(this.nGroups);
    this.passCounts = new Int32Array(this.nGroups);
  }

  /** Sampling pass: offer every client of the chunk to the reservoir. */
  observe(chunk: Dataset, rowStart = 0, rowEnd = chunk.clients.count): void {
    for (let row = rowStart; row < rowEnd; row++) {
      const t = this.observed++;
      let slot = t;
      if (t >= this.sampleCapacity) {
        slot = this.rng.int(t + 1);
        if (slot >= this.sampleCapacity) continue;
      }
      this.sample[slot] = this.sampleRow(chunk, row);
    }
  }

  private sampleRow(chunk: Dataset, row: number): SampledClient {
    const c = chunk.clients;
    const r = chunk.interactions;
    const start = r.rowPtr[row];
    const end = r.rowPtr[row + 1];
    const hasProfile = encodeDatasetProfileInto(this.space, this.layout, c, row, this.profile);
    const profileScale = profileScaleOf(this.space, hasProfile, end - start);
    const interactionScale = interactionScaleOf(this.space, hasProfile, end - start);
    const profile = new Float32Array(this.layout.profileDims);
    for (let p = 0; p < profile.length; p++) profile[p] = this.profile[p] * profileScale;
    const services = r.col.slice(start, end);
    const values = new Float32Array(end - start);
    for (let i = start; i < end; i++) values[i - start] = r.value[i] * interactionScale;
    return { profile, services, values };
  }

  private sampleSimilarity(sampled: SampledClient, group: number): number {
    const G = this.nGroups;
    const profileDims = this.layout.profileDims;
    let dot = 0;
    for (let p = 0; p < profileDims; p++) dot += this.centroids[p * G + group] * sampled.profile[p];
    for (let i = 0; i < sampled.services.length; i++) {
      dot += sampled.values[i] * this.centroids[(profileDims + sampled.services[i]) * G + group];
    }
    return dot;
  }

  private clearCentroid(group: number): void {
    for (let d = group; d < this.centroids.length; d += this.nGroups) this.centroids[d] = 0;
  }

  private setCentroidFromSample(group: number, sampled: SampledClient): void {
    const G = this.nGroups;
    this.clearCentroid(group);
    for (let p = 0; p < this.layout.profileDims; p++) this.centroids[p * G + group] = sampled.profile[p];
    for (let i = 0; i < sampled.services.length; i++) {
      this.centroids[(this.layout.profileDims + sampled.services[i]) * G + group] = sampled.values[i];
    }
  }

  /**
   * k-means++ seeding on the sample (distance 1 − cos). Returns the number of seeded groups: fewer
   * than G when the sample has fewer distinct clients; the rest stay inactive.
   */
  initialise(): number {
    const m = this.sample.length;
    this.centroids.fill(0);
    if (m === 0) return 0;
    const best = new Float64Array(m).fill(Number.NEGATIVE_INFINITY);
    let seeded = 0;
    let next = this.rng.int(m);
    while (seeded < this.nGroups) {
      this.setCentroidFromSample(seeded, this.sample[next]);
      seeded++;
      let total = 0;
      for (let i = 0; i < m; i++) {
        const sim = this.sampleSimilarity(this.sample[i], seeded - 1);
        if (sim > best[i]) best[i] = sim;
        const distance = Math.max(0, 1 - best[i]);
        total += distance * distance;
      }
      if (seeded === this.nGroups || total <= 1e-12) break;
      let target = this.rng.next() * total;
      next = m - 1;
      for (let i = 0; i < m; i++) {
        const distance = Math.max(0, 1 - best[i]);
        target -= distance * distance;
        if (target < 0) {
          next = i;
          break;
        }
      }
    }
    return seeded;
  }

  /** Starts a Lloyd pass over all clients. */
  beginPass(): void {
    this.passSums ??= new Float64Array(this.centroids.length);
    this.passSums.fill(0);
    this.passCounts.fill(0);
    this.passSimilarity = 0;
    this.passClients = 0;
  }

  /** Assigns every client of the chunk to its nearest centroid and adds it to that group's sum. */
  addChunk(chunk: Dataset, rowStart = 0, rowEnd = chunk.clients.count): void {
    const sums = this.passSums;
    if (!sums) throw new Error("beginPass() must be called before addChunk()");
    const active = activeGroupMask(this.centroids, this.nGroups);
    const c = chunk.clients;
    const r = chunk.interactions;
    const G = this.nGroups;
    const profileDims = this.layout.profileDims;
    for (let row = rowStart; row < rowEnd; row++) {
      const start = r.rowPtr[row];
      const end = r.rowPtr[row + 1];
      const hasProfile = encodeDatasetProfileInto(this.space, this.layout, c, row, this.profile);
      const profileScale = profileScaleOf(this.space, hasProfile, end - start);
      const interactionScale = interactionScaleOf(this.space, hasProfile, end - start);
      centroidSimilarities(
        this.centroids,
        active,
        this.layout,
        this.profile,
        this.profileIndex,
        nonZeroIndices(this.profile, this.profileIndex),
        profileScale,
        r.col,
        r.value,
        start,
        end,
        interactionScale,
        this.similarities,
      );
      const g = argmaxGroup(this.similarities, this.nGroups);
      if (g < 0) continue;
      this.passSimilarity += this.similarities[g];
      this.passClients++;
      this.passCounts[g]++;
      if (profileScale !== 0) {
        for (let p = 0; p < profileDims; p++)
          if (this.profile[p] !== 0) sums[p * G + g] += this.profile[p] * profileScale;
      }
      for (let i = start; i < end; i++) sums[(profileDims + r.col[i]) * G + g] += r.value[i] * interactionScale;
    }
  }

  /** Moves every centroid to the normalised mean of its clients; empty groups are reseeded from the sample. */
  endPass(): KMeansPassResult {
    const sums = this.passSums;
    if (!sums) throw new Error("beginPass() must be called before endPass()");
    const G = this.nGroups;
    const wasActive = activeGroupMask(this.centroids, G);
    const squared = new Float64Array(G);
    for (let i = 0; i < sums.length; i++) squared[i % G] += sums[i] * sums[i];
    const inverse = new Float64Array(G);
    let reseeded = 0;
    const empty: number[] = [];
    for (let g = 0; g < G; g++) {
      if (this.passCounts[g] === 0 || squared[g] === 0) {
        if (wasActive[g]) empty.push(g);
      } else inverse[g] = 1 / Math.sqrt(squared[g]);
    }
    for (let i = 0; i < sums.length; i++) this.centroids[i] = sums[i] * inverse[i % G];
    // A group that lost all its clients is moved onto the sampled client worst served by the
    // others, which splits the loosest region of the data instead of wasting the group.
    for (const g of empty) {
      const active = activeGroupMask(this.centroids, G);
      let worst = -1;
      let worstSimilarity = Number.POSITIVE_INFINITY;
      for (let i = 0; i < this.sample.length; i++) {
        let nearest = Number.NEGATIVE_INFINITY;
        for (let h = 0; h < G; h++) {
          if (active[h]) nearest = Math.max(nearest, this.sampleSimilarity(this.sample[i], h));
        }
        if (nearest < worstSimilarity - 1e-12) {
          worstSimilarity = nearest;
          worst = i;
        }
      }
      if (worst >= 0 && worstSimilarity < 0.999) {
        this.setCentroidFromSample(g, this.sample[worst]);
        reseeded++;
      }
    }
    return {
      meanSimilarity: this.passClients > 0 ? this.passSimilarity / this.passClients : 0,
      clients: this.passClients,
      reseeded,
    };
  }
}
