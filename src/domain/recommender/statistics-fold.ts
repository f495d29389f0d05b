/**
 * Folding the change log into a statistics snapshot (docs/recommender.md, "On the platform"). Every
 * client write logs the client's state just before and just after it; the retrain turns each logged
 * change into a `statisticsDelta` under the snapshot's feature space and reference groups and adds it.
 *
 * A client's reference group is not stored: it is a pure function of the client's state and the
 * generation's assignment centroids, evaluated exactly as `StatisticsAccumulator` evaluates it. So
 * a logged "before" state is always subtracted from the group it was counted in, across
 * feature-space growth and concurrent rebuilds.
 */
import { type FeatureSpace, profileFromFields, type RecommenderProfile } from "./features";
import type { StatisticsSnapshot } from "./statistics-snapshot";
import { applyStatisticsDelta, type ClientState, StatisticsAccumulator, statisticsDelta } from "./training-statistics";

/** A client's state as the change log records it. */
export interface LoggedClientState {
  age: number;
  /** null = unknown. */
  monthlyIncome: number | null;
  region: string;
  gender: "female" | "male" | null;
  needs: string[];
  /** [model index, 1 | -1], ascending by model index. */
  cells: Array<[number, 1 | -1]>;
}

/** One logged client write. */
export interface LoggedChange {
  id: number;
  clientId: string;
  /** null: the client did not exist before (created by the write). */
  before: LoggedClientState | null;
  /** null: the client does not exist after the write. */
  after: LoggedClientState | null;
}

/**
 * A change-log entry that cannot be folded. The log is written by SQL only, so this is a broken
 * invariant (tampering or a bug), never a refused request: it is not a `DomainError` and the
 * retrain that meets it fails as a whole.
 */
export class ChangeLogError extends Error {
  constructor(
    readonly detail: string,
    rowId?: number,
  ) {
    super(`statistics change log${rowId === undefined ? "" : ` row ${rowId}`}: ${detail}`);
    this.name = "ChangeLogError";
  }
}

/**
 * Group assignment of client states under fixed centroids. It delegates to a scratch
 * `StatisticsAccumulator` (whose own counts are discarded), so the group is by construction the
 * one the full rebuild's accumulator gives the same state — bit for bit, whatever the domain's
 * numerics. Cost per state: O(cells²) + G × (P + cells); memory: one statistics-sized scratch.
 */
export class GroupAssigner {
  private readonly scratch: StatisticsAccumulator | null;

  constructor(space: FeatureSpace, nGroups: number, centroids: Float32Array) {
    this.scratch = nGroups > 0 ? new StatisticsAccumulator(space, nGroups, centroids) : null;
  }

  /** The group of a client (cells ascending by service), or -1 when no group is active. */
  groupOf(profile: RecommenderProfile, services: ArrayLike<number>, values: ArrayLike<number>): number {
    return this.scratch ? this.scratch.addClient({ profile, interactions: { services, values } }) : -1;
  }
}

/** A logged state in model terms, counted in the group the assigner gives it. */
export function loggedClientState(
  space: FeatureSpace,
  assigner: GroupAssigner,
  state: LoggedClientState | null,
): ClientState | null {
  if (!state) return null;
  const profile = profileFromFields(space, state);
  const services = state.cells.map((cell) => cell[0]);
  const values = state.cells.map((cell) => cell[1]);
  for (const service of services) {
    if (service >= space.nServices) {
      throw new ChangeLogError(`service index ${service} is outside the statistics (${space.nServices} services)`);
    }
  }
  return { profile, interactions: { services, values }, group: assigner.groupOf(profile, services, values) };
}

function sameLoggedState(a: LoggedClientState | null, b: LoggedClientState | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Highest service index named by the changes' states (-1 when none): the snapshot must cover it before folding. */
export function maxLoggedService(changes: readonly LoggedChange[]): number {
  let maxService = -1;
  for (const change of changes) {
    for (const logged of [change.before, change.after]) {
      for (const [service] of logged?.cells ?? []) maxService = Math.max(maxService, service);
    }
  }
  return maxService;
}

/** Options of {@link foldChanges}. */
export interface FoldOptions {
  /** The client shard whose log the changes come from (default 0). */
  shard?: number;
  /** Skip changes for which this is false (the rebuild's reconciliation folds only what its pages missed). */
  include?: (change: LoggedChange) => boolean;
  /** An assigner for the snapshot's space and centroids, reused across pages (it holds a statistics-sized scratch). */
  assigner?: GroupAssigner;
}

/**
 * Folds logged changes of one shard's log into the snapshot's statistics, in log order, and moves
 * that shard's entry of `logPositions`.
 * The snapshot must already cover every service the changes name (see `growSnapshot`).
 * Returns the number of changes that moved the statistics.
 */
export function foldChanges(
  snapshot: StatisticsSnapshot,
  changes: readonly LoggedChange[],
  options: FoldOptions = {},
): number {
  const { stats } = snapshot;
  const assigner = options.assigner ?? new GroupAssigner(stats.space, stats.nGroups, snapshot.assignmentCentroids);
  const shard = options.shard ?? 0;
  while (snapshot.logPositions.length <= shard) snapshot.logPositions.push(0);
  let folded = 0;
  for (const change of changes) {
    if (change.id <= snapshot.logPositions[shard]) continue;
    if ((options.include?.(change) ?? true) && !sameLoggedState(change.before, change.after)) {
      const before = loggedClientState(stats.space, assigner, change.before);
      const after = loggedClientState(stats.space, assigner, change.after);
      applyStatisticsDelta(stats, statisticsDelta(stats.space, before, after, stats.nGroups));
      folded++;
    }
    snapshot.logPositions[shard] = change.id;
  }
  return folded;
}
