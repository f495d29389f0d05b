import { describe, expect, it } from "vitest";
import {
  createFeatureSpace,
  easeNeighbours,
  pairIndex,
  Rng,
  StatisticsAccumulator,
  scoreClient,
  TopKLists,
  trainFromStatistics,
} from "../../../src/domain/recommender";
import { catalogOf, clientOf, datasetOf } from "./fixtures";

/** Gauss-Jordan inverse with partial pivoting of a dense n × n matrix: the brute-force reference. */
function bruteInverse(matrix: number[][]): number[][] {
  const n = matrix.length;
  const a = matrix.map((row, i) => [...row, ...Array.from({ length: n }, (_, j) => (i === j ? 1 : 0))]);
  for (let col = 0; col < n; col++) {
    let pivot = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    const p = a[col][col];
    for (let c = 0; c < 2 * n; c++) a[col][c] /= p;
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = a[r][col];
      for (let c = 0; c < 2 * n; c++) a[r][c] -= f * a[col][c];
    }
  }
  return a.map((row) => row.slice(n));
}

const N = 12;
const CLIENTS = 60;
/** A random history with uses and declines (declines must not change EASE). */
const dataset = (() => {
  const rng = new Rng(5, 0);
  return datasetOf(
    N,
    Array.from({ length: CLIENTS }, (_, c) => {
      const cells: Array<[number, number]> = [];
      // Two planted tastes plus noise, so that the weights have structure.
      for (let s = 0; s < N; s++) {
        const taste = s < 6 === (c % 2 === 0) ? 0.45 : 0.1;
        const draw = rng.next();
        if (draw < taste) cells.push([s, 1]);
        else if (draw < taste + 0.08) cells.push([s, -1]);
      }
      return { age: 30, income: 50_000, region: 0, cells };
    }),
  );
})();

function gram() {
  const accumulator = new StatisticsAccumulator(
    createFeatureSpace({ nServices: N, regions: dataset.regions, needsVocabulary: dataset.needsVocabulary }),
    0,
    null,
  );
  accumulator.addDataset(dataset);
  return accumulator.stats;
}

/** B by the textbook formula on a brute-force inverse: B[j][a] = −P[j][a] / P[a][a], diag 0. */
function bruteEase(pairDot: Int32Array, lambda: number): number[][] {
  const g = Array.from({ length: N }, (_, i) =>
    Array.from(
      { length: N },
      (_, j) => pairDot[i <= j ? pairIndex(N, i, j) : pairIndex(N, j, i)] + (i === j ? lambda : 0),
    ),
  );
  const p = bruteInverse(g);
  return p.map((row, j) => row.map((value, a) => (j === a ? 0 : -value / p[a][a])));
}

describe("EASE from the Gram matrix of uses", () => {
  it("keeps exactly the k weights of largest magnitude of a brute-force solve, signed, ordered by weight", () => {
    const stats = gram();
    let diagonal = 0;
    for (let a = 0; a < N; a++) diagonal += stats.pairDot[pairIndex(N, a, a)];
    const relative = 0.5;
    const b = bruteEase(stats.pairDot, relative * (diagonal / N));
    for (const k of [1, 3, N]) {
      const lists = easeNeighbours(stats.pairDot, N, k, relative);
      for (let a = 0; a < N; a++) {
        const expected = Array.from({ length: N }, (_, j) => ({ j, w: b[j][a] }))
          .filter(({ j, w }) => j !== a && w !== 0)
          .sort((x, y) => Math.abs(y.w) - Math.abs(x.w) || x.j - y.j)
          .slice(0, k)
          .sort((x, y) => y.w - x.w || x.j - y.j);
        const kept = Array.from(lists.index.subarray(a * k, a * k + k)).filter((j) => j >= 0);
        expect(kept).toEqual(expected.map((e) => e.j));
        expected.forEach((e, t) => {
          expect(lists.similarity[a * k + t]).toBeCloseTo(e.w, 5);
        });
      }
    }
  });

  it("scores Σ over used services of B[j][a] when nothing is pruned", () => {
    const stats = gram();
    const model = trainFromStatistics(stats, catalogOf(Array.from({ length: N }, (_, i) => `s${i}`)), [], {
      version: "t",
      trainedAt: 0,
      neighbours: N,
      itemModel: "ease",
      easeLambda: 1,
      declineWeight: 0,
    });
    let diagonal = 0;
    for (let a = 0; a < N; a++) diagonal += stats.pairDot[pairIndex(N, a, a)];
    const b = bruteEase(stats.pairDot, diagonal / N);
    const used = [0, 2, 7];
    const ranked = scoreClient(
      model,
      clientOf(
        { age: 30, income: 50_000, region: 0 },
        used.map((s) => [s, 1, 0]),
      ),
      {
        now: 0,
        limit: N,
        blend: { intercept: 0, item: 1, group: 0, link: 0, segment: 0, popularity: 0, activity: 0 },
        reasons: false,
      },
    );
    expect(ranked.length).toBe(N - used.length);
    for (const r of ranked) {
      // Nothing pruned: the model's sum is EASE's own score Σ B[j][a], negative weights included.
      const expected = used.reduce((sum, j) => sum + b[j][r.service], 0);
      expect(r.parts.item).toBeCloseTo(expected, 5);
    }
  });

  it("is the same with or without the declines, and refuses λ <= 0", () => {
    const stats = gram();
    const usesOnly = datasetOf(
      N,
      Array.from({ length: CLIENTS }, (_, row) => {
        const cells: Array<[number, number]> = [];
        for (let i = dataset.interactions.rowPtr[row]; i < dataset.interactions.rowPtr[row + 1]; i++) {
          if (dataset.interactions.value[i] === 1) cells.push([dataset.interactions.col[i], 1]);
        }
        return { age: 30, income: 50_000, region: 0, cells };
      }),
    );
    const accumulator = new StatisticsAccumulator(
      createFeatureSpace({ nServices: N, regions: usesOnly.regions, needsVocabulary: usesOnly.needsVocabulary }),
      0,
      null,
    );
    accumulator.addDataset(usesOnly);
    const a = easeNeighbours(stats.pairDot, N, 4, 0.5);
    const b = easeNeighbours(accumulator.stats.pairDot, N, 4, 0.5);
    expect(Array.from(a.index)).toEqual(Array.from(b.index));
    expect(Array.from(a.similarity)).toEqual(Array.from(b.similarity));
    expect(() => easeNeighbours(stats.pairDot, N, 4, 0)).toThrow(RangeError);
    expect(() => easeNeighbours(stats.pairDot, N, 0, 0.5)).toThrow(RangeError);
  });
});

describe("TopKLists", () => {
  it("keeps the k largest weights per target, ties to the lower neighbour, best first", () => {
    const lists = new TopKLists(2, 3);
    const offers: Array<[number, number]> = [
      [5, 0.2],
      [1, 0.9],
      [4, 0.5],
      [2, 0.5],
      [3, 0.1],
      [0, 0.9],
    ];
    for (const [neighbour, weight] of offers) lists.offer(0, neighbour, weight);
    lists.offer(1, 7, 1);
    const drained = lists.drain();
    expect(Array.from(drained.index)).toEqual([0, 1, 2, 7, -1, -1]);
    expect(Array.from(drained.similarity)).toEqual([0.9, 0.9, 0.5, 1, 0, 0].map(Math.fround));
  });
});
