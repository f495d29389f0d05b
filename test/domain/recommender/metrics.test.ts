import { describe, expect, it } from "vitest";
import { MetricsAccumulator, rankingMetrics } from "../../../src/domain/recommender";

// Ranking [3, 1, 4, 2, 5] against relevant {1, 2, 9}: hits at ranks 2 and 4.
const ranked = [3, 1, 4, 2, 5];
const relevant = new Set([1, 2, 9]);
const isRelevant = (item: number) => relevant.has(item);

describe("ranking metrics (RecBole definitions)", () => {
  it("match hand-computed values at k = 5", () => {
    const m = rankingMetrics(ranked, isRelevant, relevant.size, 5);
    expect(m.precision).toBeCloseTo(2 / 5, 12);
    expect(m.recall).toBeCloseTo(2 / 3, 12);
    const dcg = 1 / Math.log2(3) + 1 / Math.log2(5);
    const idcg = 1 + 1 / Math.log2(3) + 1 / Math.log2(4);
    expect(m.ndcg).toBeCloseTo(dcg / idcg, 12);
    expect(m.ndcg).toBeCloseTo(0.498189, 5);
    // AP@5 = (P@2 + P@4) / min(|R|, 5) = (1/2 + 2/4) / 3
    expect(m.map).toBeCloseTo(1 / 3, 12);
    expect(m.hit).toBe(1);
  });

  it("match hand-computed values at k = 2 and k = 1", () => {
    const two = rankingMetrics(ranked, isRelevant, relevant.size, 2);
    expect(two.precision).toBeCloseTo(1 / 2, 12);
    expect(two.recall).toBeCloseTo(1 / 3, 12);
    expect(two.ndcg).toBeCloseTo(1 / Math.log2(3) / (1 + 1 / Math.log2(3)), 12);
    expect(two.map).toBeCloseTo(1 / 2 / 2, 12); // P@2 / min(3, 2)
    const one = rankingMetrics(ranked, isRelevant, relevant.size, 1);
    expect(one).toEqual({ precision: 0, recall: 0, ndcg: 0, map: 0, hit: 0 });
  });

  it("count missing ranks of a short list as misses", () => {
    const m = rankingMetrics([1], isRelevant, 1, 5);
    expect(m.precision).toBeCloseTo(1 / 5, 12);
    expect(m.recall).toBe(1);
    expect(m.ndcg).toBe(1);
    expect(m.map).toBe(1);
  });

  it("average over users and measure catalogue coverage", () => {
    const acc = new MetricsAccumulator(2, 10);
    acc.add([1, 2], (i) => i === 1, 1);
    acc.add([3, 1], (i) => i === 9, 1);
    const summary = acc.summary();
    expect(summary.users).toBe(2);
    expect(summary.precision).toBeCloseTo((1 / 2 + 0) / 2, 12);
    expect(summary.hit).toBeCloseTo(0.5, 12);
    expect(summary.ndcg).toBeCloseTo(0.5, 12);
    expect(summary.coverage).toBeCloseTo(3 / 10, 12);
  });

  it("rejects an empty relevant set and k < 1", () => {
    expect(() => rankingMetrics(ranked, isRelevant, 0, 5)).toThrow(RangeError);
    expect(() => rankingMetrics(ranked, isRelevant, 3, 0)).toThrow(RangeError);
  });
});
