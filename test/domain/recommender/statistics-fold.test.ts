/**
 * Folding the change log into a statistics snapshot (pure): folded changes equal a recount of the
 * clients' final states under the same assignment centroids, whatever the order of writes; the
 * log position moves past skipped changes; growing a snapshot keeps every client in its group.
 */
import { describe, expect, it } from "vitest";
import {
  createFeatureSpace,
  type FeatureSpace,
  featureLayout,
  type ModelStatistics,
  profileFromFields,
  StatisticsAccumulator,
} from "../../../src/domain/recommender";
import { clusterSample, pageDataset } from "../../../src/domain/recommender/paged-rebuild";
import {
  ChangeLogError,
  foldChanges,
  GroupAssigner,
  type LoggedChange,
  type LoggedClientState,
  maxLoggedService,
} from "../../../src/domain/recommender/statistics-fold";
import {
  emptySnapshot,
  growCentroids,
  growSnapshot,
  type StatisticsSnapshot,
} from "../../../src/domain/recommender/statistics-snapshot";
import { NEEDS, REGIONS } from "./fixtures";
import { expectSameStatistics } from "./statistics-assertions";

const N_SERVICES = 5;
const N_GROUPS = 3;
const space = createFeatureSpace({ nServices: N_SERVICES, regions: REGIONS, needsVocabulary: NEEDS });

/** Deterministic uniform [0, 1). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function randomState(next: () => number, nServices = N_SERVICES): LoggedClientState {
  const cells: Array<[number, 1 | -1]> = [];
  for (let service = 0; service < nServices; service++) {
    if (next() < 0.5) cells.push([service, next() < 0.75 ? 1 : -1]);
  }
  return {
    age: 18 + Math.floor(next() * 60),
    monthlyIncome: Math.floor(next() * 300_000),
    region: [...REGIONS, "elsewhere"][Math.floor(next() * 4)],
    gender: [null, "female", "male"][Math.floor(next() * 3)] as LoggedClientState["gender"],
    needs: NEEDS.filter(() => next() < 0.3),
    cells,
  };
}

/** Statistics of the states counted from scratch with the snapshot's centroids. */
function recount(snapshot: StatisticsSnapshot, states: Iterable<LoggedClientState>): ModelStatistics {
  const { stats } = snapshot;
  const accumulator = new StatisticsAccumulator(stats.space, stats.nGroups, snapshot.assignmentCentroids);
  for (const state of states) {
    accumulator.addClient({
      profile: profileFromFields(stats.space, state),
      interactions: { services: state.cells.map((c) => c[0]), values: state.cells.map((c) => c[1]) },
    });
  }
  return accumulator.stats;
}

/** A snapshot whose assignment centroids come from k-means over some clients (so groups are active). */
function clusteredSnapshot(forSpace: FeatureSpace = space): StatisticsSnapshot {
  const next = random(7);
  const clients = Array.from({ length: 30 }, (_, i) => ({ id: `c${i}`, ...randomState(next, forSpace.nServices) }));
  const page = {
    clients,
    cells: clients.flatMap((c) => c.cells.map(([modelIndex, value]) => ({ clientId: c.id, modelIndex, value }))),
    maxDeltaId: 0,
  };
  const snapshot = emptySnapshot(forSpace, N_GROUPS, 1);
  const clustering = clusterSample(forSpace, N_GROUPS, pageDataset(forSpace, page));
  snapshot.assignmentCentroids.set(clustering.centroids!);
  return snapshot;
}

describe("foldChanges", () => {
  it("creations, updates and deletions folded in log order equal a recount of the final states", () => {
    const snapshot = clusteredSnapshot();
    const next = random(42);
    const current = new Map<string, LoggedClientState>();
    const changes: LoggedChange[] = [];
    for (let id = 1; id <= 300; id++) {
      const clientId = `client-${Math.floor(next() * 40)}`;
      const before = current.get(clientId) ?? null;
      const after = before && next() < 0.1 ? null : randomState(next);
      if (after) current.set(clientId, after);
      else current.delete(clientId);
      changes.push({ id, clientId, before, after });
    }
    const assigner = new GroupAssigner(space, N_GROUPS, snapshot.assignmentCentroids);
    // Pages of the log, like the retrain reads them, with one assigner reused across pages.
    let folded = 0;
    for (let start = 0; start < changes.length; start += 64) {
      folded += foldChanges(snapshot, changes.slice(start, start + 64), { assigner });
    }
    expect(folded).toBe(300);
    expect(snapshot.logPositions[0]).toBe(300);
    expectSameStatistics(snapshot.stats, recount(snapshot, current.values()));
    expect(Array.from(snapshot.stats.groupMembers).filter((members) => members > 0).length).toBeGreaterThan(1);
  });

  it("skips changes already folded, unchanged states and excluded changes, but moves the log position past them", () => {
    const snapshot = clusteredSnapshot();
    const next = random(3);
    const a = randomState(next);
    const b = randomState(next);
    snapshot.logPositions = [10];
    const folded = foldChanges(
      snapshot,
      [
        { id: 9, clientId: "old", before: null, after: a },
        { id: 11, clientId: "same", before: a, after: structuredClone(a) },
        { id: 12, clientId: "excluded", before: null, after: b },
        { id: 13, clientId: "kept", before: null, after: b },
      ],
      { include: (change) => change.clientId !== "excluded" },
    );
    expect(folded).toBe(1);
    expect(snapshot.logPositions[0]).toBe(13);
    expectSameStatistics(snapshot.stats, recount(snapshot, [b]));
  });

  it("refuses a logged state naming a service outside the statistics", () => {
    const snapshot = emptySnapshot(space, 0, 1);
    const state = { ...randomState(random(1)), cells: [[N_SERVICES, 1]] as Array<[number, 1 | -1]> };
    const change = { id: 1, clientId: "c", before: null, after: state };
    expect(() => foldChanges(snapshot, [change])).toThrow(ChangeLogError);
    expect(maxLoggedService([change, { id: 2, clientId: "d", before: null, after: null }])).toBe(N_SERVICES);
    expect(maxLoggedService([])).toBe(-1);
  });
});

describe("growSnapshot", () => {
  it("widens statistics and centroids to new services and keeps every client in its group", () => {
    const snapshot = clusteredSnapshot();
    const next = random(11);
    const states = Array.from({ length: 50 }, () => randomState(next));
    const changes = states.map((after, i) => ({ id: i + 1, clientId: `c${i}`, before: null, after }));
    foldChanges(snapshot, changes);

    const grown = growSnapshot(snapshot, N_SERVICES + 2);
    expect(grown.stats.space.nServices).toBe(N_SERVICES + 2);
    expect(grown.logPositions).toEqual(snapshot.logPositions);
    const before = new GroupAssigner(space, N_GROUPS, snapshot.assignmentCentroids);
    const after = new GroupAssigner(grown.stats.space, N_GROUPS, grown.assignmentCentroids);
    for (const state of states) {
      const services = state.cells.map((c) => c[0]);
      const values = state.cells.map((c) => c[1]);
      expect(after.groupOf(profileFromFields(grown.stats.space, state), services, values)).toBe(
        before.groupOf(profileFromFields(space, state), services, values),
      );
    }
    // The grown statistics equal a recount in the wider space.
    expectSameStatistics(grown.stats, recount(grown, states));
    expect(growSnapshot(grown, N_SERVICES)).toBe(grown);
  });

  it("appends zero dimensions to the centroids", () => {
    const wider = createFeatureSpace({ ...space, nServices: N_SERVICES + 1 });
    const centroids = Float32Array.from({ length: 2 * featureLayout(space).vectorDims }, (_, i) => i + 1);
    const grown = growCentroids(centroids, space, wider);
    expect(grown.length).toBe(2 * featureLayout(wider).vectorDims);
    expect(Array.from(grown.subarray(0, centroids.length))).toEqual(Array.from(centroids));
    expect(Array.from(grown.subarray(centroids.length)).every((value) => value === 0)).toBe(true);
  });
});
