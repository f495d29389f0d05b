/**
 * Sufficient statistics of the recommender: everything `trainFromStatistics` needs, kept up to date
 * one changed client at a time, so that retraining costs depend on services, groups and segments,
 * never on the number of clients.
 *
 * Item-item co-occurrence of USES lives in a dense upper triangle (Int32, n(n+1)/2 cells): the Gram
 * matrix XᵀX of the positive part X = [R = 1], so the diagonal is the number of clients using each
 * service. Declines are not in it: a decline says the client was offered the service because it
 * fits them, so counting co-declines as similarity or a take next to a decline as dissimilarity
 * reads it the wrong way (issue 12); declines are counted per service, segment and group instead.
 * Dense because an update touches "the changed service × every service of the client", which is
 * O(1) per cell in a dense array and needs no hashing; integers, so incremental updates equal a full
 * recomputation exactly. 2,000 services take 8 MB, 500 services 0.5 MB. The Worker persists only the
 * non-zero cells (the deltas below), so D1 holds the sparse form.
 *
 * Sizes (n services, G groups, S segments, P profile dims, H histogram slots):
 *   pairs 4·n(n+1)/2 B · services 8n B · segments 4S(2n+1) B · groups 4G(2n+1+H) + 8G(P+n) B.
 *   For n = 1,000, G = 64, S = 36: 2 MB + 8 KB + 0.3 MB + 1.0 MB ≈ 3.3 MB.
 */
import type { Dataset } from "../dataset";
import {
  bandOf,
  encodeClientProfileInto,
  encodeProfileInto,
  type FeatureLayout,
  type FeatureSpace,
  featureLayout,
  interactionScaleOf,
  profileScaleOf,
  type RecommenderClient,
  regionSlot,
  segmentOf,
  validateClient,
} from "./features";
import { activeGroupMask, argmaxGroup, centroidSimilarities, nonZeroIndices } from "./groups";

/** The sufficient statistics; all counts are exact integers, the group vector sums are float64. */
export interface ModelStatistics {
  readonly space: FeatureSpace;
  readonly nGroups: number;
  /** Number of clients counted. */
  clientCount: number;
  /** Co-occurrence of uses Σ_c [R[c,a] = 1]·[R[c,b] = 1] for a <= b, at `pairIndex(n, a, b)`. */
  readonly pairDot: Int32Array;
  /** Clients using each service. */
  readonly servicePositive: Int32Array;
  /** Clients who declined each service. */
  readonly serviceNegative: Int32Array;
  /** Clients per segment (age band × income band). */
  readonly segmentMembers: Int32Array;
  /** segment × service, row-major. */
  readonly segmentPositive: Int32Array;
  readonly segmentNegative: Int32Array;
  /** Clients per reference group. */
  readonly groupMembers: Int32Array;
  /** group × service, row-major. */
  readonly groupPositive: Int32Array;
  readonly groupNegative: Int32Array;
  /** group × histogram slot (age bands, income bands, regions, gender, needs): member counts for the group descriptions. */
  readonly groupHistogram: Int32Array;
  /** group × vector dimension: sum of the members' unit vectors (the centroid is its direction). */
  readonly groupVectorSum: Float64Array;
}

/** Offset of the cell (a, b), a <= b, in the upper triangle of an n × n symmetric matrix. */
export function pairIndex(n: number, a: number, b: number): number {
  return a * n - ((a * (a - 1)) >> 1) + (b - a);
}

/** Empty statistics for a feature space and a number of reference groups (0 = no user-based part). */
export function createStatistics(space: FeatureSpace, nGroups: number): ModelStatistics {
  if (!Number.isInteger(nGroups) || nGroups < 0) throw new RangeError("nGroups must be an integer >= 0");
  const layout = featureLayout(space);
  const n = space.nServices;
  return {
    space,
    nGroups,
    clientCount: 0,
    pairDot: new Int32Array((n * (n + 1)) / 2),
    servicePositive: new Int32Array(n),
    serviceNegative: new Int32Array(n),
    segmentMembers: new Int32Array(layout.segments),
    segmentPositive: new Int32Array(layout.segments * n),
    segmentNegative: new Int32Array(layout.segments * n),
    groupMembers: new Int32Array(nGroups),
    groupPositive: new Int32Array(nGroups * n),
    groupNegative: new Int32Array(nGroups * n),
    groupHistogram: new Int32Array(nGroups * layout.histogramSlots),
    groupVectorSum: new Float64Array(nGroups * layout.vectorDims),
  };
}

/** A client as the statistics count it: its record plus the reference group it is counted in (-1 = none). */
export interface ClientState extends RecommenderClient {
  group: number;
}

/**
 * Additive change of the statistics caused by one client write. Every list is sparse and its
 * entries are to be added (`x += delta`) to the matching cell; the Worker persists exactly these
 * rows (e.g. `INSERT … ON CONFLICT DO UPDATE SET v = v + excluded.v`).
 */
export interface StatisticsDelta {
  /** Change of the client count (+1 new client, -1 removed, 0 otherwise). */
  clients: number;
  /** [a, b, delta] with a <= b; a === b counts the uses of service a. */
  pairs: Array<[number, number, number]>;
  /** [service, positiveDelta, negativeDelta]. */
  services: Array<[number, number, number]>;
  /** [segment, delta]. */
  segmentMembers: Array<[number, number]>;
  /** [segment, service, positiveDelta, negativeDelta]. */
  segmentServices: Array<[number, number, number, number]>;
  /** [group, delta]. */
  groupMembers: Array<[number, number]>;
  /** [group, service, positiveDelta, negativeDelta]. */
  groupServices: Array<[number, number, number, number]>;
  /** [group, histogram slot, delta]. */
  groupHistogram: Array<[number, number, number]>;
  /** [group, vector dimension, delta] (float). */
  groupVector: Array<[number, number, number]>;
}

/** Histogram slots of one profile (age band, income band unless unknown, region, gender, distinct known needs). */
function histogramSlots(space: FeatureSpace, layout: FeatureLayout, client: RecommenderClient): number[] {
  const p = client.profile;
  const slots = [
    layout.histogramAgeOffset + bandOf(space.ageBandEdges, p.age),
    layout.histogramRegionOffset + regionSlot(layout, p.region),
    layout.histogramGenderOffset + (p.gender === 1 || p.gender === 2 ? p.gender : 0),
  ];
  if (Number.isFinite(p.monthlyIncome))
    slots.push(layout.histogramIncomeOffset + bandOf(space.incomeBandEdges, p.monthlyIncome));
  const needs = new Set<number>();
  for (let i = 0; i < p.needs.length; i++) {
    const tag = p.needs[i];
    if (Number.isInteger(tag) && tag >= 0 && tag < layout.needsDims) needs.add(tag);
  }
  for (const tag of needs) slots.push(layout.histogramNeedsOffset + tag);
  return slots;
}

/** The client's unit vector as sparse [dim, value] entries (float64, the exact values the sums use). */
function vectorEntries(space: FeatureSpace, layout: FeatureLayout, client: RecommenderClient): Array<[number, number]> {
  const profile = new Float64Array(layout.profileDims);
  const p = client.profile;
  const hasProfile = encodeClientProfileInto(space, layout, p, profile);
  const { services, values } = client.interactions;
  const profileScale = profileScaleOf(space, hasProfile, services.length);
  const interactionScale = interactionScaleOf(space, hasProfile, services.length);
  const entries: Array<[number, number]> = [];
  if (profileScale !== 0) {
    for (let d = 0; d < layout.profileDims; d++) if (profile[d] !== 0) entries.push([d, profile[d] * profileScale]);
  }
  for (let i = 0; i < services.length; i++)
    entries.push([layout.profileDims + services[i], values[i] * interactionScale]);
  return entries;
}

/** Sparse sums of one statistics table keyed by `major × stride + minor`. */
class CellSums {
  private readonly sums = new Map<number, number[]>();

  constructor(private readonly stride: number) {}

  add(major: number, minor: number, first: number, second = 0): void {
    const key = major * this.stride + minor;
    const current = this.sums.get(key);
    if (current) {
      current[0] += first;
      current[1] += second;
    } else this.sums.set(key, [first, second]);
  }

  /** Non-zero entries as [major, minor, first, second], by ascending key. */
  rows(): Array<[number, number, number, number]> {
    const rows: Array<[number, number, number, number]> = [];
    const keys = [...this.sums.keys()].sort((x, y) => x - y);
    for (const key of keys) {
      const [first, second] = this.sums.get(key) as number[];
      if (first !== 0 || second !== 0) rows.push([Math.floor(key / this.stride), key % this.stride, first, second]);
    }
    return rows;
  }
}

/**
 * The statistics delta of one client write: `before` is the client as currently counted (null for
 * a new client), `after` as it is to be counted (null when it is removed). Handles any mix of
 * interaction, profile and group changes. Cost O(changed cells × the client's cells) for the pairs
 * plus O(P + the client's cells) for the rest — one changed cell costs O(client's interactions).
 * @throws RangeError when a client does not fit the feature space or a group is out of range.
 */
export function statisticsDelta(
  space: FeatureSpace,
  before: ClientState | null,
  after: ClientState | null,
  nGroups: number,
): StatisticsDelta {
  const layout = featureLayout(space);
  for (const state of [before, after]) {
    if (!state) continue;
    validateClient(space, state);
    if (!Number.isInteger(state.group) || state.group < -1 || state.group >= nGroups) {
      throw new RangeError(`group must be -1 or an integer below ${nGroups}, got ${state.group}`);
    }
  }
  const n = space.nServices;
  const services = new CellSums(n);
  const segmentMembers = new CellSums(1);
  const segmentServices = new CellSums(n);
  const groupMembers = new CellSums(1);
  const groupServices = new CellSums(n);
  const groupHistogram = new CellSums(layout.histogramSlots);
  const groupVector = new CellSums(layout.vectorDims);
  const cellsOf = (state: ClientState | null) => {
    const cells = new Map<number, number>();
    if (state) {
      for (let i = 0; i < state.interactions.services.length; i++) {
        cells.set(state.interactions.services[i], state.interactions.values[i]);
      }
    }
    return cells;
  };
  const beforeCells = cellsOf(before);
  const afterCells = cellsOf(after);

  const contribute = (state: ClientState | null, cells: Map<number, number>, sign: number) => {
    if (!state) return;
    const seg = segmentOf(space, state.profile.age, state.profile.monthlyIncome);
    if (seg >= 0) segmentMembers.add(seg, 0, sign);
    for (const [s, v] of cells) {
      const positive = v === 1 ? sign : 0;
      const negative = v === -1 ? sign : 0;
      services.add(0, s, positive, negative);
      if (seg >= 0) segmentServices.add(seg, s, positive, negative);
      if (state.group >= 0) groupServices.add(state.group, s, positive, negative);
    }
    if (state.group >= 0) {
      groupMembers.add(state.group, 0, sign);
      for (const slot of histogramSlots(space, layout, state)) groupHistogram.add(state.group, slot, sign);
      for (const [dim, value] of vectorEntries(space, layout, state)) groupVector.add(state.group, dim, sign * value);
    }
  };
  contribute(before, beforeCells, -1);
  contribute(after, afterCells, 1);

  // Only pairs that involve a changed use move: Δ(a,b) = use_after[a]·use_after[b] − use_before[a]·use_before[b].
  const uses = (cells: Map<number, number>, s: number) => (cells.get(s) === 1 ? 1 : 0);
  const changed: number[] = [];
  const union = new Set<number>([...beforeCells.keys(), ...afterCells.keys()]);
  for (const s of union) if (uses(beforeCells, s) !== uses(afterCells, s)) changed.push(s);
  const changedSet = new Set(changed);
  const pairs: Array<[number, number, number]> = [];
  for (const c of changed) {
    const bc = uses(beforeCells, c);
    const ac = uses(afterCells, c);
    for (const j of union) {
      if (changedSet.has(j) && j < c) continue; // counted once, from the smaller changed index
      const delta = ac * uses(afterCells, j) - bc * uses(beforeCells, j);
      if (delta !== 0) pairs.push([Math.min(c, j), Math.max(c, j), delta]);
    }
  }
  pairs.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  return {
    clients: (after ? 1 : 0) - (before ? 1 : 0),
    pairs,
    services: services.rows().map(([, s, pos, neg]) => [s, pos, neg]),
    segmentMembers: segmentMembers.rows().map(([seg, , v]) => [seg, v]),
    segmentServices: segmentServices.rows(),
    groupMembers: groupMembers.rows().map(([g, , v]) => [g, v]),
    groupServices: groupServices.rows(),
    groupHistogram: groupHistogram.rows().map(([g, slot, v]) => [g, slot, v]),
    groupVector: groupVector.rows().map(([g, dim, v]) => [g, dim, v]),
  };
}

/**
 * Adds a delta to the statistics (`direction` -1 reverts it). Every index is checked before any
 * cell changes, so a bad delta leaves the statistics untouched.
 * @throws RangeError on an index outside the statistics.
 */
export function applyStatisticsDelta(stats: ModelStatistics, delta: StatisticsDelta, direction: 1 | -1 = 1): void {
  const layout = featureLayout(stats.space);
  const n = stats.space.nServices;
  const G = stats.nGroups;
  const check = (ok: boolean, what: string) => {
    if (!ok) throw new RangeError(`statistics delta: ${what} out of range`);
  };
  const isIndex = (value: number, size: number) => Number.isInteger(value) && value >= 0 && value < size;
  for (const [a, b] of delta.pairs) check(isIndex(a, n) && isIndex(b, n) && a <= b, `pair (${a}, ${b})`);
  for (const [s] of delta.services) check(isIndex(s, n), `service ${s}`);
  for (const [seg] of delta.segmentMembers) check(isIndex(seg, layout.segments), `segment ${seg}`);
  for (const [seg, s] of delta.segmentServices) check(isIndex(seg, layout.segments) && isIndex(s, n), `segment cell`);
  for (const [g] of delta.groupMembers) check(isIndex(g, G), `group ${g}`);
  for (const [g, s] of delta.groupServices) check(isIndex(g, G) && isIndex(s, n), `group cell`);
  for (const [g, slot] of delta.groupHistogram)
    check(isIndex(g, G) && isIndex(slot, layout.histogramSlots), "histogram");
  for (const [g, d] of delta.groupVector) check(isIndex(g, G) && isIndex(d, layout.vectorDims), "group vector");

  stats.clientCount += direction * delta.clients;
  for (const [a, b, v] of delta.pairs) stats.pairDot[pairIndex(n, a, b)] += direction * v;
  for (const [s, pos, neg] of delta.services) {
    stats.servicePositive[s] += direction * pos;
    stats.serviceNegative[s] += direction * neg;
  }
  for (const [seg, v] of delta.segmentMembers) stats.segmentMembers[seg] += direction * v;
  for (const [seg, s, pos, neg] of delta.segmentServices) {
    stats.segmentPositive[seg * n + s] += direction * pos;
    stats.segmentNegative[seg * n + s] += direction * neg;
  }
  for (const [g, v] of delta.groupMembers) stats.groupMembers[g] += direction * v;
  for (const [g, s, pos, neg] of delta.groupServices) {
    stats.groupPositive[g * n + s] += direction * pos;
    stats.groupNegative[g * n + s] += direction * neg;
  }
  for (const [g, slot, v] of delta.groupHistogram)
    stats.groupHistogram[g * layout.histogramSlots + slot] += direction * v;
  for (const [g, d, v] of delta.groupVector) stats.groupVectorSum[g * layout.vectorDims + d] += direction * v;
}

/** One cell write of the interaction matrix: value 0 removes the cell. */
export interface InteractionChange {
  service: number;
  value: 1 | -1 | 0;
  /** Epoch ms of the change (kept in the returned client state). */
  time?: number;
}

/**
 * Applies one cell write of a client to the statistics in O(client's interactions) and returns the
 * delta (to persist) and the client's new state. `groupAfter` is the client's group after the write
 * (from `assignGroup` on the new vector); by default the client stays in its group.
 */
export function applyInteractionChange(
  stats: ModelStatistics,
  client: ClientState,
  change: InteractionChange,
  groupAfter: number = client.group,
): { delta: StatisticsDelta; after: ClientState } {
  const { services, values, times } = client.interactions;
  const nextServices: number[] = [];
  const nextValues: number[] = [];
  const nextTimes: number[] = [];
  let found = false;
  for (let i = 0; i < services.length; i++) {
    if (services[i] === change.service) {
      found = true;
      if (change.value === 0) continue;
      nextServices.push(services[i]);
      nextValues.push(change.value);
      nextTimes.push(change.time ?? times?.[i] ?? Number.NaN);
    } else {
      nextServices.push(services[i]);
      nextValues.push(values[i]);
      nextTimes.push(times?.[i] ?? Number.NaN);
    }
  }
  if (!found && change.value !== 0) {
    nextServices.push(change.service);
    nextValues.push(change.value);
    nextTimes.push(change.time ?? Number.NaN);
  }
  const after: ClientState = {
    profile: client.profile,
    interactions: { services: nextServices, values: nextValues, times: nextTimes },
    group: groupAfter,
  };
  const delta = statisticsDelta(stats.space, client, after, stats.nGroups);
  applyStatisticsDelta(stats, delta);
  return { delta, after };
}

/**
 * Full-rebuild accumulator: adds clients chunk by chunk (e.g. 5,000 rows per D1 page) and assigns
 * each to its nearest reference group under the given centroids. The hot loop is allocation-free;
 * its cost per client is O(cells²) for the pairs plus G × (P + cells) for the assignment.
 */
export class StatisticsAccumulator {
  readonly stats: ModelStatistics;
  private readonly layout: FeatureLayout;
  private readonly centroids: Float32Array | null;
  private readonly activeGroups: Uint8Array;
  private readonly profile: Float64Array;
  private readonly profileIndex: Int32Array;
  private readonly similarities: Float64Array;

  /**
   * @param centroids dimension-major unit centroids from `SphericalKMeans` (null or G = 0: no reference groups).
   */
  constructor(space: FeatureSpace, nGroups: number, centroids: Float32Array | null) {
    this.stats = createStatistics(space, nGroups);
    this.layout = featureLayout(space);
    if (centroids && centroids.length !== nGroups * this.layout.vectorDims) {
      throw new RangeError("centroids must hold nGroups × vectorDims values");
    }
    this.centroids = nGroups > 0 ? centroids : null;
    this.activeGroups = this.centroids ? activeGroupMask(this.centroids, nGroups) : new Uint8Array(nGroups);
    this.profile = new Float64Array(this.layout.profileDims);
    this.profileIndex = new Int32Array(this.layout.profileDims);
    this.similarities = new Float64Array(nGroups);
  }

  /**
   * Adds rows [rowStart, rowEnd) of a chunk (row pointers are used as absolute offsets into `col`).
   * Returns the group of each added row (-1 = none), to store with the client.
   */
  addDataset(chunk: Dataset, rowStart = 0, rowEnd = chunk.clients.count): Int32Array {
    const groups = new Int32Array(rowEnd - rowStart);
    const c = chunk.clients;
    const r = chunk.interactions;
    for (let row = rowStart; row < rowEnd; row++) {
      groups[row - rowStart] = this.addRow(
        c.age[row],
        c.monthlyIncome[row],
        c.region[row],
        c.gender[row],
        c.needsIdx,
        c.needsPtr[row],
        c.needsPtr[row + 1],
        r.col,
        r.value,
        r.rowPtr[row],
        r.rowPtr[row + 1],
        -2,
      );
    }
    return groups;
  }

  /**
   * Adds one client; `group` -2 (default) assigns the nearest group, -1 counts it in no group.
   * Returns the group used.
   */
  addClient(client: RecommenderClient, group = -2): number {
    validateClient(this.stats.space, client);
    const p = client.profile;
    const i = client.interactions;
    return this.addRow(
      p.age,
      p.monthlyIncome,
      p.region,
      p.gender,
      p.needs,
      0,
      p.needs.length,
      i.services,
      i.values,
      0,
      i.services.length,
      group,
    );
  }

  private addRow(
    age: number,
    income: number,
    region: number,
    gender: number,
    needs: ArrayLike<number>,
    needsStart: number,
    needsEnd: number,
    services: ArrayLike<number>,
    values: ArrayLike<number>,
    start: number,
    end: number,
    requestedGroup: number,
  ): number {
    const stats = this.stats;
    const space = stats.space;
    const layout = this.layout;
    const n = space.nServices;
    stats.clientCount++;
    const seg = segmentOf(space, age, income);
    if (seg >= 0) stats.segmentMembers[seg]++;
    for (let i = start; i < end; i++) {
      const a = services[i];
      const va = values[i];
      if (va <= 0) {
        stats.serviceNegative[a]++;
        if (seg >= 0) stats.segmentNegative[seg * n + a]++;
        continue;
      }
      stats.servicePositive[a]++;
      if (seg >= 0) stats.segmentPositive[seg * n + a]++;
      for (let j = i; j < end; j++) {
        if (values[j] <= 0) continue;
        const b = services[j];
        stats.pairDot[a <= b ? pairIndex(n, a, b) : pairIndex(n, b, a)]++;
      }
    }
    if (stats.nGroups === 0 || requestedGroup === -1) return -1;
    const hasProfile = encodeProfileInto(
      space,
      layout,
      age,
      income,
      region,
      gender,
      needs,
      needsStart,
      needsEnd,
      this.profile,
      0,
    );
    const nonZero = end - start;
    const profileScale = profileScaleOf(space, hasProfile, nonZero);
    const interactionScale = interactionScaleOf(space, hasProfile, nonZero);
    let g = requestedGroup;
    if (g === -2) {
      if (!this.centroids) return -1;
      centroidSimilarities(
        this.centroids,
        this.activeGroups,
        layout,
        this.profile,
        this.profileIndex,
        nonZeroIndices(this.profile, this.profileIndex),
        profileScale,
        services,
        values,
        start,
        end,
        interactionScale,
        this.similarities,
      );
      g = argmaxGroup(this.similarities, stats.nGroups);
      if (g < 0) return -1;
    } else if (!Number.isInteger(g) || g < 0 || g >= stats.nGroups) {
      throw new RangeError(`group must be -2, -1 or below ${stats.nGroups}, got ${g}`);
    }
    stats.groupMembers[g]++;
    for (let i = start; i < end; i++) {
      if (values[i] > 0) stats.groupPositive[g * n + services[i]]++;
      else stats.groupNegative[g * n + services[i]]++;
    }
    const h = g * layout.histogramSlots;
    stats.groupHistogram[h + layout.histogramAgeOffset + bandOf(space.ageBandEdges, age)]++;
    if (Number.isFinite(income))
      stats.groupHistogram[h + layout.histogramIncomeOffset + bandOf(space.incomeBandEdges, income)]++;
    stats.groupHistogram[h + layout.histogramRegionOffset + regionSlot(layout, region)]++;
    stats.groupHistogram[h + layout.histogramGenderOffset + (gender === 1 || gender === 2 ? gender : 0)]++;
    for (let i = needsStart; i < needsEnd; i++) {
      const tag = needs[i];
      if (!Number.isInteger(tag) || tag < 0 || tag >= layout.needsDims) continue;
      let duplicate = false;
      for (let j = needsStart; j < i; j++) if (needs[j] === tag) duplicate = true;
      if (!duplicate) stats.groupHistogram[h + layout.histogramNeedsOffset + tag]++;
    }
    const base = g * layout.vectorDims;
    if (profileScale !== 0) {
      for (let d = 0; d < layout.profileDims; d++) {
        if (this.profile[d] !== 0) stats.groupVectorSum[base + d] += this.profile[d] * profileScale;
      }
    }
    for (let i = start; i < end; i++) {
      stats.groupVectorSum[base + layout.profileDims + services[i]] += values[i] * interactionScale;
    }
    return g;
  }
}

/**
 * Copies the statistics into a feature space with more services (a service was created since the
 * last rebuild; model indices are dense, so new services append columns). Everything else is kept.
 * @throws RangeError when the new space is not the same space with at least as many services.
 */
export function growStatistics(stats: ModelStatistics, space: FeatureSpace): ModelStatistics {
  const old = stats.space;
  const oldLayout = featureLayout(old);
  const layout = featureLayout(space);
  if (space.nServices < old.nServices || layout.profileDims !== oldLayout.profileDims) {
    throw new RangeError("growStatistics needs the same profile layout and at least as many services");
  }
  const n0 = old.nServices;
  const n1 = space.nServices;
  const grown = createStatistics(space, stats.nGroups);
  grown.clientCount = stats.clientCount;
  for (let a = 0; a < n0; a++) {
    for (let b = a; b < n0; b++) grown.pairDot[pairIndex(n1, a, b)] = stats.pairDot[pairIndex(n0, a, b)];
  }
  grown.servicePositive.set(stats.servicePositive);
  grown.serviceNegative.set(stats.serviceNegative);
  grown.segmentMembers.set(stats.segmentMembers);
  grown.groupMembers.set(stats.groupMembers);
  grown.groupHistogram.set(stats.groupHistogram);
  for (let seg = 0; seg < layout.segments; seg++) {
    grown.segmentPositive.set(stats.segmentPositive.subarray(seg * n0, (seg + 1) * n0), seg * n1);
    grown.segmentNegative.set(stats.segmentNegative.subarray(seg * n0, (seg + 1) * n0), seg * n1);
  }
  for (let g = 0; g < stats.nGroups; g++) {
    grown.groupPositive.set(stats.groupPositive.subarray(g * n0, (g + 1) * n0), g * n1);
    grown.groupNegative.set(stats.groupNegative.subarray(g * n0, (g + 1) * n0), g * n1);
    grown.groupVectorSum.set(
      stats.groupVectorSum.subarray(g * oldLayout.vectorDims, (g + 1) * oldLayout.vectorDims),
      g * layout.vectorDims,
    );
  }
  return grown;
}
