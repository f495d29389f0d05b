/**
 * The statistics snapshot the Worker keeps between retrains: the sufficient statistics together
 * with what fixes their meaning (the generation's group-assignment centroids and the change-log
 * position folded into them), and the pure operations on it — an empty snapshot for a rebuild,
 * widening to new services, adding a page of clients. Its binary codec lives in storage
 * (src/storage/statistics-snapshot-codec.ts); folding the change log in statistics-fold.ts.
 */
import type { Dataset } from "../dataset";
import { createFeatureSpace, type FeatureSpace, featureLayout } from "./features";
import { createStatistics, growStatistics, type ModelStatistics, StatisticsAccumulator } from "./training-statistics";

/** The statistics the retrain folds deltas into, with what fixes their meaning. */
export interface StatisticsSnapshot {
  stats: ModelStatistics;
  /**
   * D × G (dimension-major) k-means centroids of the generation's full rebuild: the fixed rule that puts a client
   * state into a reference group (the trained model's centroids drift with the group sums; these
   * do not, so a logged state always maps to the group it was counted in).
   */
  assignmentCentroids: Float32Array;
  /** `model_rebuild_jobs.seq` of the rebuild that created the groups. */
  generation: number;
  /**
   * Per client shard (by index), the last change-log id of that shard folded into `stats`: each
   * shard keeps its own log. A shard beyond the array's end has folded nothing yet (position 0).
   */
  logPositions: number[];
  /** Clients counted by the generation's rebuild ("rebuild recommended" once the base has grown a lot). */
  rebuiltClients: number;
}

/** Empty statistics and all-zero (inactive) assignment centroids for a space. */
export function emptySnapshot(space: FeatureSpace, nGroups: number, generation: number): StatisticsSnapshot {
  return {
    stats: createStatistics(space, nGroups),
    assignmentCentroids: new Float32Array(nGroups * featureLayout(space).vectorDims),
    generation,
    logPositions: [],
    rebuiltClients: 0,
  };
}

/** The same feature space with `nServices` services. */
export function spaceWithServices(space: FeatureSpace, nServices: number): FeatureSpace {
  return createFeatureSpace({ ...space, nServices });
}

/**
 * The snapshot widened to `nServices` services (services are only ever appended): statistics via
 * `growStatistics`, assignment centroids with zero columns for the new services, which keeps every
 * existing client in its group. Returns the same snapshot when nothing grows.
 */
export function growSnapshot(snapshot: StatisticsSnapshot, nServices: number): StatisticsSnapshot {
  const oldSpace = snapshot.stats.space;
  if (nServices <= oldSpace.nServices) return snapshot;
  const space = spaceWithServices(oldSpace, nServices);
  const stats = growStatistics(snapshot.stats, space);
  return { ...snapshot, stats, assignmentCentroids: growCentroids(snapshot.assignmentCentroids, oldSpace, space) };
}

/**
 * Assignment centroids for a space with more services. Centroids are dimension-major
 * (`[d * G + g]`, the domain's layout) and new services append dimensions at the end of the vector,
 * so the existing values keep their offsets and the new dimensions are zero.
 */
export function growCentroids(centroids: Float32Array, from: FeatureSpace, to: FeatureSpace): Float32Array {
  const oldDims = featureLayout(from).vectorDims;
  const newDims = featureLayout(to).vectorDims;
  const groups = oldDims === 0 ? 0 : centroids.length / oldDims;
  const grown = new Float32Array(groups * newDims);
  grown.set(centroids);
  return grown;
}

/**
 * Adds a page of clients to running statistics: a fresh accumulator over the page whose arrays are
 * then summed into `into` (integer counts exactly; float group sums in page order).
 */
export function accumulatePage(into: StatisticsSnapshot, dataset: Dataset): void {
  const stats = into.stats;
  const accumulator = new StatisticsAccumulator(stats.space, stats.nGroups, into.assignmentCentroids);
  accumulator.addDataset(dataset);
  const page = accumulator.stats;
  stats.clientCount += page.clientCount;
  const pairs: Array<[Int32Array | Float64Array, Int32Array | Float64Array]> = [
    [stats.pairDot, page.pairDot],
    [stats.servicePositive, page.servicePositive],
    [stats.serviceNegative, page.serviceNegative],
    [stats.segmentMembers, page.segmentMembers],
    [stats.segmentPositive, page.segmentPositive],
    [stats.segmentNegative, page.segmentNegative],
    [stats.groupMembers, page.groupMembers],
    [stats.groupPositive, page.groupPositive],
    [stats.groupNegative, page.groupNegative],
    [stats.groupHistogram, page.groupHistogram],
    [stats.groupVectorSum, page.groupVectorSum],
  ];
  for (const [target, source] of pairs) {
    for (let i = 0; i < source.length; i++) if (source[i] !== 0) target[i] += source[i];
  }
}

/**
 * One number for a vector of log positions: their sum. Positions only move forward, so of two reads
 * the later one never has the smaller total — enough to order models and count pending changes.
 */
export function totalLogPosition(positions: readonly number[]): number {
  let total = 0;
  for (const position of positions) total += position;
  return total;
}
