import { describe, expect, it } from "vitest";
import { splitDataset } from "../../../src/domain/recommender";
import { datasetOf } from "./fixtures";

// Client 0: ten positives at times 1..10 plus a decline; client 1: one positive; client 2: four positives.
const data = datasetOf(12, [
  {
    age: 30,
    income: 1,
    region: 0,
    cells: [...Array.from({ length: 10 }, (_, i) => [i, 1, i + 1] as [number, number, number]), [11, -1, 100]],
  },
  { age: 30, income: 1, region: 0, cells: [[3, 1, 5]] },
  {
    age: 30,
    income: 1,
    region: 0,
    cells: [
      [0, 1, 4],
      [1, 1, 3],
      [2, 1, 2],
      [5, 1, 1],
    ],
  },
]);

function rowOf(ptr: Int32Array, items: Int32Array, row: number): number[] {
  return Array.from(items.subarray(ptr[row], ptr[row + 1]));
}

describe("splits", () => {
  it("random: 20% of each client's positives (rounded down), disjoint from training, declines kept", () => {
    const { train, test } = splitDataset(data, "random", { seed: 9 });
    const held = rowOf(test.ptr, test.items, 0);
    expect(held).toHaveLength(2);
    expect(rowOf(test.ptr, test.items, 1)).toEqual([]);
    expect(rowOf(test.ptr, test.items, 2)).toEqual([]);
    const trained = rowOf(train.interactions.rowPtr, train.interactions.col, 0);
    expect(trained).toHaveLength(9);
    for (const item of held) expect(trained).not.toContain(item);
    expect(trained).toContain(11);
    expect(splitDataset(data, "random", { seed: 9 }).test.items).toEqual(test.items);
    expect(train.clients).toBe(data.clients);
  });

  it("temporal: the newest positives go to the test side", () => {
    const { test } = splitDataset(data, "temporal", { testShare: 0.3 });
    expect(rowOf(test.ptr, test.items, 0).sort((a, b) => a - b)).toEqual([7, 8, 9]);
    expect(rowOf(test.ptr, test.items, 2)).toEqual([0]);
  });

  it("leave-one-out: the newest positive of every client with at least two", () => {
    const { train, test } = splitDataset(data, "leave-one-out");
    expect(rowOf(test.ptr, test.items, 0)).toEqual([9]);
    expect(rowOf(test.ptr, test.items, 1)).toEqual([]);
    expect(rowOf(test.ptr, test.items, 2)).toEqual([0]);
    expect(train.interactions.col.length + test.items.length).toBe(data.interactions.col.length);
  });

  it("refuses a temporal split without times and a share outside (0, 1)", () => {
    const untimed = { ...data, interactions: { ...data.interactions, time: undefined } };
    expect(() => splitDataset(untimed, "temporal")).toThrow(/times/);
    expect(() => splitDataset(data, "random", { testShare: 1 })).toThrow(RangeError);
  });
});
