/**
 * The full rebuild, driven over an in-memory dataset in chunks exactly as the Worker drives it over
 * D1 pages: a sampling pass, k-means++ seeding, Lloyd passes until the objective settles, then one
 * accumulation pass that assigns every client to its final group and counts the statistics.
 */
import type { Dataset } from "../dataset";
import type { FeatureSpace } from "./features";
import { SphericalKMeans } from "./groups";
import { type ModelStatistics, StatisticsAccumulator } from "./training-statistics";

/** Number of reference groups for a client base: √(clients / 2), clamped to 8..64. */
export function defaultGroupCount(clients: number): number {
  return Math.max(8, Math.min(64, Math.round(Math.sqrt(Math.max(0, clients) / 2))));
}

/** Options of `rebuildStatistics`. */
export interface RebuildOptions {
  /** Reference groups (default `defaultGroupCount(clients)`). */
  groups?: number;
  /** Seed of sampling and seeding (default 1). */
  seed?: number;
  /** Rows per chunk (default 5,000, like a D1 page). */
  chunkSize?: number;
  /** Maximum Lloyd passes (default 10). */
  maxPasses?: number;
  /** Stop when a pass improves the mean cosine by less than this (default 1e-4). */
  tolerance?: number;
}

/** Result of a full rebuild. */
export interface RebuildResult {
  stats: ModelStatistics;
  /** The group of every client (row order), to store with the clients. */
  clientGroups: Int32Array;
  /** Lloyd passes run and the final mean cosine of clients to their centroid. */
  passes: number;
  meanSimilarity: number;
}

/** Calls `visit` for consecutive row ranges of at most `chunkSize` rows. */
export function forEachChunk(rows: number, chunkSize: number, visit: (start: number, end: number) => void): void {
  for (let start = 0; start < rows; start += chunkSize) visit(start, Math.min(rows, start + chunkSize));
}

/** Rebuilds the sufficient statistics and the reference groups from all clients. */
export function rebuildStatistics(dataset: Dataset, space: FeatureSpace, options: RebuildOptions = {}): RebuildResult {
  if (dataset.nServices !== space.nServices) throw new RangeError("dataset and feature space disagree on services");
  const rows = dataset.clients.count;
  const groups = options.groups ?? defaultGroupCount(rows);
  const chunkSize = options.chunkSize ?? 5000;
  const maxPasses = options.maxPasses ?? 10;
  const tolerance = options.tolerance ?? 1e-4;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError("chunkSize must be >= 1");
  let passes = 0;
  let meanSimilarity = 0;
  let centroids: Float32Array | null = null;
  if (groups > 0) {
    const kmeans = new SphericalKMeans(space, { groups, seed: options.seed ?? 1 });
    forEachChunk(rows, chunkSize, (start, end) => kmeans.observe(dataset, start, end));
    kmeans.initialise();
    let previous = Number.NEGATIVE_INFINITY;
    while (passes < maxPasses) {
      kmeans.beginPass();
      forEachChunk(rows, chunkSize, (start, end) => kmeans.addChunk(dataset, start, end));
      const result = kmeans.endPass();
      passes++;
      meanSimilarity = result.meanSimilarity;
      if (result.reseeded === 0 && result.meanSimilarity - previous < tolerance) break;
      previous = result.meanSimilarity;
    }
    centroids = kmeans.centroids;
  }
  const accumulator = new StatisticsAccumulator(space, groups, centroids);
  const clientGroups = new Int32Array(rows);
  forEachChunk(rows, chunkSize, (start, end) => clientGroups.set(accumulator.addDataset(dataset, start, end), start));
  return { stats: accumulator.stats, clientGroups, passes, meanSimilarity };
}
