import { describe, expect, it } from "vitest";
import {
  computeNeighbours,
  cosineFromPairs,
  createStatistics,
  pairIndex,
  reverseNeighbours,
  StatisticsAccumulator,
  scoreClient,
  trainFromStatistics,
} from "../../../src/domain/recommender";
import { catalogOf, clientOf, datasetOf, plantedSpace } from "./fixtures";

// R (4 clients × 3 services), hand-checked:
//   c0 [ 1,  1,  1]
//   c1 [ 1,  1, -1]
//   c2 [ 1, -1,  0]
//   c3 [ 0,  1,  1]
// columns: s0 = (1,1,1,0) ‖√3‖, s1 = (1,1,-1,1) ‖2‖, s2 = (1,-1,0,1) ‖√3‖
// dot(s0,s1) = 1+1-1+0 = 1, dot(s0,s2) = 1-1+0+0 = 0, dot(s1,s2) = 1-1+0+1 = 1
const SMALL = datasetOf(3, [
  {
    age: 30,
    income: 50_000,
    region: 0,
    cells: [
      [0, 1],
      [1, 1],
      [2, 1],
    ],
  },
  {
    age: 30,
    income: 50_000,
    region: 0,
    cells: [
      [0, 1],
      [1, 1],
      [2, -1],
    ],
  },
  {
    age: 30,
    income: 50_000,
    region: 0,
    cells: [
      [0, 1],
      [1, -1],
    ],
  },
  {
    age: 30,
    income: 50_000,
    region: 0,
    cells: [
      [1, 1],
      [2, 1],
    ],
  },
]);

function smallStats() {
  const accumulator = new StatisticsAccumulator(plantedSpace(SMALL), 0, null);
  accumulator.addDataset(SMALL);
  return accumulator.stats;
}

describe("item-item similarity over co-occurring uses", () => {
  // Uses of SMALL: s0 = {c0, c1, c2}, s1 = {c0, c1, c3}, s2 = {c0, c3}; the declines (c1 → s2,
  // c2 → s1) are not co-occurrences (issue 12).
  it("counts co-occurring uses and uses per service exactly; declines only per service", () => {
    const stats = smallStats();
    const n = 3;
    expect(stats.pairDot[pairIndex(n, 0, 0)]).toBe(3);
    expect(stats.pairDot[pairIndex(n, 1, 1)]).toBe(3);
    expect(stats.pairDot[pairIndex(n, 2, 2)]).toBe(2);
    expect(stats.pairDot[pairIndex(n, 0, 1)]).toBe(2);
    expect(stats.pairDot[pairIndex(n, 0, 2)]).toBe(1);
    expect(stats.pairDot[pairIndex(n, 1, 2)]).toBe(2);
    expect(Array.from(stats.servicePositive)).toEqual([3, 3, 2]);
    expect(Array.from(stats.serviceNegative)).toEqual([0, 1, 1]);
  });

  it("computes the (asymmetric) cosine of use columns; a decline neither adds nor subtracts", () => {
    const stats = smallStats();
    expect(cosineFromPairs(stats.pairDot, 3, 0, 1)).toBeCloseTo(2 / 3, 12);
    expect(cosineFromPairs(stats.pairDot, 3, 1, 2)).toBeCloseTo(2 / Math.sqrt(6), 12);
    expect(cosineFromPairs(stats.pairDot, 3, 2, 1)).toBeCloseTo(2 / Math.sqrt(6), 12);
    expect(cosineFromPairs(stats.pairDot, 3, 0, 2)).toBeCloseTo(1 / Math.sqrt(6), 12);
    expect(cosineFromPairs(stats.pairDot, 3, 0, 1, 1)).toBeCloseTo(2 / 4, 12);
    // α = 0.75 divides by uses(target)^0.75 · uses(neighbour)^0.25: popular targets pay more.
    expect(cosineFromPairs(stats.pairDot, 3, 1, 2, 0, 0.75)).toBeCloseTo(2 / (3 ** 0.75 * 2 ** 0.25), 12);
    expect(cosineFromPairs(stats.pairDot, 3, 2, 1, 0, 0.75)).toBeCloseTo(2 / (2 ** 0.75 * 3 ** 0.25), 12);
    // The same data without the declines: the same triangle.
    const withoutDeclines = datasetOf(
      3,
      Array.from({ length: SMALL.clients.count }, (_, row) => ({
        age: 30,
        income: 50_000,
        region: 0,
        cells: Array.from({ length: SMALL.interactions.rowPtr[row + 1] - SMALL.interactions.rowPtr[row] }, (_, i) => {
          const at = SMALL.interactions.rowPtr[row] + i;
          return [SMALL.interactions.col[at], SMALL.interactions.value[at]] as [number, number];
        }).filter(([, value]) => value === 1),
      })),
    );
    const accumulator = new StatisticsAccumulator(plantedSpace(withoutDeclines), 0, null);
    accumulator.addDataset(withoutDeclines);
    expect(Array.from(accumulator.stats.pairDot)).toEqual(Array.from(stats.pairDot));
    // c1 using s2 instead of declining it: co(1, 2) = 3 and uses(2) = 3, so sim(1, 2) = 1.
    const flipped = datasetOf(3, [
      {
        age: 30,
        income: 50_000,
        region: 0,
        cells: [
          [0, 1],
          [1, 1],
          [2, 1],
        ],
      },
      {
        age: 30,
        income: 50_000,
        region: 0,
        cells: [
          [0, 1],
          [1, 1],
          [2, 1],
        ],
      },
      {
        age: 30,
        income: 50_000,
        region: 0,
        cells: [
          [0, 1],
          [1, -1],
        ],
      },
      {
        age: 30,
        income: 50_000,
        region: 0,
        cells: [
          [1, 1],
          [2, 1],
        ],
      },
    ]);
    const flippedStats = new StatisticsAccumulator(plantedSpace(flipped), 0, null);
    flippedStats.addDataset(flipped);
    expect(cosineFromPairs(flippedStats.stats.pairDot, 3, 1, 2)).toBeCloseTo(1, 12);
  });
});

describe("top-k neighbours", () => {
  // Dot products of 5 services set by hand (squared norms 4, so sim = dot / (4 + shrink)).
  function triangle(): Int32Array {
    const n = 5;
    const pairs = new Int32Array((n * (n + 1)) / 2);
    const set = (a: number, b: number, v: number) => {
      pairs[pairIndex(n, Math.min(a, b), Math.max(a, b))] = v;
    };
    for (let s = 0; s < n; s++) set(s, s, 4);
    set(0, 1, 3);
    set(0, 2, 2);
    set(0, 3, 2);
    set(0, 4, -1);
    set(1, 2, 1);
    set(3, 4, 4);
    return pairs;
  }

  it("keeps the k most similar positive neighbours, best first, ties to the lower index", () => {
    const lists = computeNeighbours(triangle(), 5, 2, 0);
    const row = (s: number) => Array.from(lists.index.subarray(s * 2, s * 2 + 2));
    expect(row(0)).toEqual([1, 2]); // 3/4, then 2/4 tie between 2 and 3 → 2
    expect(row(1)).toEqual([0, 2]);
    expect(row(2)).toEqual([0, 1]);
    expect(row(3)).toEqual([4, 0]);
    expect(row(4)).toEqual([3, -1]); // the negative similarity with 0 is never kept
    expect(lists.similarity[0]).toBeCloseTo(0.75, 6);
    expect(lists.similarity[1]).toBeCloseTo(0.5, 6);
    expect(lists.similarity[4 * 2 + 1]).toBe(0);
  });

  it("k larger than the candidates keeps them all; the reverse lists are the exact transpose", () => {
    const lists = computeNeighbours(triangle(), 5, 10, 2);
    expect(Array.from(lists.index.subarray(0, 4))).toEqual([1, 2, 3, -1]);
    expect(lists.similarity[0]).toBeCloseTo(3 / 6, 6);
    const reverse = reverseNeighbours(lists, 5);
    for (let j = 0; j < 5; j++) {
      for (let p = reverse.ptr[j]; p < reverse.ptr[j + 1]; p++) {
        const s = reverse.index[p];
        const row = Array.from(lists.index.subarray(s * 10, s * 10 + 10));
        const t = row.indexOf(j);
        expect(t).toBeGreaterThanOrEqual(0);
        expect(reverse.similarity[p]).toBe(lists.similarity[s * 10 + t]);
      }
    }
    const forwardEntries = Array.from(lists.index).filter((v) => v >= 0).length;
    expect(reverse.ptr[5]).toBe(forwardEntries);
  });

  it("rejects k < 1 and negative shrink", () => {
    expect(() => computeNeighbours(triangle(), 5, 0, 0)).toThrow(RangeError);
    expect(() => computeNeighbours(triangle(), 5, 2, -1)).toThrow(RangeError);
  });

  it("scores a client by Σ sim(s,j) over used neighbours, declined ones weighted declineWeight, never negative", () => {
    const stats = smallStats();
    const train = (declineWeight: number) =>
      trainFromStatistics(stats, catalogOf(["A", "B", "C"]), [], {
        version: "t",
        trainedAt: 0,
        neighbours: 1,
        itemModel: "cosine",
        declineWeight,
      });
    const model = train(0.25);
    // N_1(0) = [1] (2/3 > 1/√6), N_1(1) = [2] (2/√6 > 2/3), N_1(2) = [1]
    expect(Array.from(model.neighbourIndex)).toEqual([1, 2, 1]);
    const itemOnly = { intercept: 0, item: 1, group: 0, link: 0, segment: 0, popularity: 0, activity: 0 };
    const itemParts = (scored: typeof model, cells: Array<[number, number, number]>) => {
      const ranked = scoreClient(scored, clientOf({ age: 30, income: 50_000, region: 0 }, cells), {
        now: 0,
        declineCooldownMs: 0,
        limit: 3,
        blend: itemOnly,
      });
      return Object.fromEntries(ranked.map((r) => [r.service, r.parts.item]));
    };
    const declined = itemParts(model, [[1, -1, 0]]);
    expect(declined[0]).toBeCloseTo(0.25 * (2 / 3), 6); // s0's neighbour s1 was declined: weak evidence for s0
    expect(declined[2]).toBeCloseTo(0.25 * (2 / Math.sqrt(6)), 6);
    expect(declined[1]).toBe(0); // s1's neighbour s2 is not in the client's row
    const used = itemParts(model, [[1, 1, 0]]);
    expect(used[0]).toBeCloseTo(2 / 3, 6);
    expect(used[2]).toBeCloseTo(2 / Math.sqrt(6), 6);
    const ignored = itemParts(train(0), [[1, -1, 0]]);
    expect(Object.values(ignored)).toEqual([0, 0, 0]);
  });

  it("needs no client: an empty triangle gives empty lists", () => {
    const stats = createStatistics(plantedSpace(SMALL), 0);
    const lists = computeNeighbours(stats.pairDot, 3, 2, 0);
    expect(Array.from(lists.index)).toEqual([-1, -1, -1, -1, -1, -1]);
  });
});
