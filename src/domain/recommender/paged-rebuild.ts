/**
 * The pure side of the chunked full rebuild (src/usecases/model/rebuild.ts): a page of clients as a
 * columnar `Dataset`, the k-means over the sample page (exactly the loop of `rebuildStatistics`),
 * and the reconciliation rule that says which logged changes a page's read missed.
 */
import type { Dataset } from "../dataset";
import type { FeatureSpace } from "./features";
import { SphericalKMeans } from "./groups";
import type { LoggedChange } from "./statistics-fold";

/** Vocabulary limits of a rebuilt feature space: rarer values share the "other region" slot or are ignored. */
export const MAX_REGIONS = 100;
export const MAX_NEEDS_VOCABULARY = 200;

/** Seed, passes and tolerance of the rebuild's k-means: those of `rebuildStatistics`. */
const KMEANS_SEED = 1;
const KMEANS_MAX_PASSES = 10;
const KMEANS_TOLERANCE = 1e-4;

/** One client of a rebuild page. */
export interface PageClient {
  id: string;
  age: number;
  /** null = unknown (NaN in the dataset: the recommender's missing value). */
  monthlyIncome: number | null;
  region: string;
  gender: "female" | "male" | null;
  needs: string[];
}

/** Clients with id > a cursor (by id) with their matrix rows, and the change-log position they reflect. */
export interface ClientPage {
  clients: PageClient[];
  /** Cells of the page's clients: client id, model index, value (ascending by client id, then model index). */
  cells: Array<{ clientId: string; modelIndex: number; value: number }>;
  /** The newest change-log id at the moment of the read: the page's states reflect exactly the log up to it. */
  maxDeltaId: number;
}

/** Highest model index among the page's cells (-1 when none). */
export function pageMaxService(page: ClientPage): number {
  let max = -1;
  for (const cell of page.cells) if (cell.modelIndex > max) max = cell.modelIndex;
  return max;
}

/**
 * A page as a columnar `Dataset` in the feature space: unknown regions go to the "other" slot,
 * unknown needs are dropped — the same mapping `profileFromFields` applies to logged states.
 * @throws RangeError when a cell names a service outside the space (grow the space first).
 */
export function pageDataset(space: FeatureSpace, page: ClientPage): Dataset {
  const count = page.clients.length;
  const regionIndex = new Map(space.regions.map((region, i) => [region, i]));
  const needIndex = new Map(space.needsVocabulary.map((tag, i) => [tag, i]));
  const age = new Float32Array(count);
  const monthlyIncome = new Float32Array(count);
  const region = new Uint16Array(count);
  const gender = new Int8Array(count);
  const needsPtr = new Int32Array(count + 1);
  const needs: number[] = [];
  const rowOf = new Map<string, number>();
  page.clients.forEach((client, row) => {
    rowOf.set(client.id, row);
    age[row] = client.age;
    monthlyIncome[row] = client.monthlyIncome ?? Number.NaN;
    // 0xffff is outside every region list: the "other region" slot.
    region[row] = regionIndex.get(client.region) ?? 0xffff;
    gender[row] = client.gender === "female" ? 1 : client.gender === "male" ? 2 : 0;
    const seen = new Set<number>();
    for (const tag of client.needs) {
      const index = needIndex.get(tag);
      if (index !== undefined && !seen.has(index)) {
        seen.add(index);
        needs.push(index);
      }
    }
    needsPtr[row + 1] = needs.length;
  });
  const rowPtr = new Int32Array(count + 1);
  for (const cell of page.cells) {
    const row = rowOf.get(cell.clientId);
    if (row === undefined) continue;
    if (cell.modelIndex >= space.nServices) {
      throw new RangeError(`service index ${cell.modelIndex} is outside the space (${space.nServices} services)`);
    }
    rowPtr[row + 1]++;
  }
  for (let row = 0; row < count; row++) rowPtr[row + 1] += rowPtr[row];
  const fill = rowPtr.slice(0, count);
  const col = new Int32Array(rowPtr[count]);
  const value = new Int8Array(rowPtr[count]);
  // Cells arrive ordered by (client id, model index), so each row's columns stay ascending.
  for (const cell of page.cells) {
    const row = rowOf.get(cell.clientId);
    if (row === undefined) continue;
    const slot = fill[row]++;
    col[slot] = cell.modelIndex;
    value[slot] = cell.value > 0 ? 1 : -1;
  }
  return {
    nServices: space.nServices,
    regions: [...space.regions],
    needsVocabulary: [...space.needsVocabulary],
    clients: { count, age, monthlyIncome, region, gender, needsPtr, needsIdx: Uint16Array.from(needs) },
    interactions: { rowPtr, col, value },
  };
}

/** What the k-means over the sample page found. */
export interface SampleClustering {
  /** D × G dimension-major centroids, or null when there was nothing to cluster (no groups or no clients). */
  centroids: Float32Array | null;
  sampled: number;
  passes: number;
  meanSimilarity: number;
}

/**
 * Seeded k-means++ and Lloyd passes over one page until the mean cosine settles: exactly the loop
 * of `rebuildStatistics` over a single chunk, so a base that fits in the sample page gets the same
 * groups either way.
 */
export function clusterSample(space: FeatureSpace, nGroups: number, dataset: Dataset): SampleClustering {
  let passes = 0;
  let meanSimilarity = 0;
  if (nGroups <= 0 || dataset.clients.count === 0) {
    return { centroids: null, sampled: dataset.clients.count, passes, meanSimilarity };
  }
  const kmeans = new SphericalKMeans(space, { groups: nGroups, seed: KMEANS_SEED });
  kmeans.observe(dataset);
  kmeans.initialise();
  let previous = Number.NEGATIVE_INFINITY;
  while (passes < KMEANS_MAX_PASSES) {
    kmeans.beginPass();
    kmeans.addChunk(dataset);
    const result = kmeans.endPass();
    passes++;
    meanSimilarity = result.meanSimilarity;
    if (result.reseeded === 0 && result.meanSimilarity - previous < KMEANS_TOLERANCE) break;
    previous = result.meanSimilarity;
  }
  return { centroids: kmeans.centroids, sampled: dataset.clients.count, passes, meanSimilarity };
}

/**
 * A page read by the rebuild: [its shard, its last client id (null: unbounded, the shard's final
 * page), the shard's change-log position at the read]. Pages are read shard by shard, in id order.
 */
export type PageMark = [number, string | null, number];

/** The page a client id of `shard` belongs to: the shard's first page whose last id is >= it (or its unbounded last page). */
export function pageOf(pages: readonly PageMark[], shard: number, clientId: string): PageMark | null {
  let low = 0;
  let high = pages.length;
  // Pages are ordered by shard, then by last id (null last within a shard).
  while (low < high) {
    const mid = (low + high) >> 1;
    const [pageShard, last] = pages[mid];
    if (pageShard > shard || (pageShard === shard && (last === null || clientId <= last))) high = mid;
    else low = mid + 1;
  }
  const page = pages[low];
  return page && page[0] === shard ? page : null;
}

/**
 * Whether the page a change's client belongs to read the state before the change (so the
 * reconciliation must fold it): the change is newer than that page's log position. A change the
 * page already saw, or of a client outside every page, is not folded.
 */
export function missedByItsPage(pages: readonly PageMark[], shard: number, change: LoggedChange): boolean {
  const page = pageOf(pages, shard, change.clientId);
  return page !== null && change.id > page[2];
}
