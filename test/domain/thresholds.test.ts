import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  acceptanceByBand,
  previewThresholds,
  ratingBandCount,
  ratingBandIndex,
  thresholdPreview,
} from "../../src/domain/thresholds";

// A small hand-checked sample: ratings and outcomes (1 accepted, −1 declined, 0 unknown).
//   95 ✓   90 ✗   85.5 ✓   80 ?   79.99 ✓   78 ✗   78.5 ?   50 ✓   100 ✓   NaN ✓ (ignored)   120 ✓ (ignored)
const SAMPLE = {
  rating: Float64Array.from([95, 90, 85.5, 80, 79.99, 78, 78.5, 50, 100, Number.NaN, 120]),
  outcome: Int8Array.from([1, -1, 1, 0, 1, -1, 0, 1, 1, 1, 1]),
};

describe("previewThresholds", () => {
  it("counts what passes each threshold, by hand", () => {
    // ≥ 81: 95 ✓, 90 ✗, 85.5 ✓, 100 ✓            → 4 passing, 3 accepted, 1 declined, rate 3/4
    // ≥ 80: + 80 ?                                → 5 passing, 1 unknown, rate still 3/4
    // ≥ 79: + 79.99 ✓                             → 6 passing, 4 accepted, rate 4/5
    // ≥ 78: + 78 ✗, 78.5 ?                        → 8 passing, 4 accepted, 2 declined, 2 unknown, rate 4/6
    expect(previewThresholds(SAMPLE, 78, 81)).toEqual([
      { threshold: 78, passing: 8, accepted: 4, declined: 2, unknown: 2, acceptance_rate: 4 / 6 },
      { threshold: 79, passing: 6, accepted: 4, declined: 1, unknown: 1, acceptance_rate: 0.8 },
      { threshold: 80, passing: 5, accepted: 3, declined: 1, unknown: 1, acceptance_rate: 0.75 },
      { threshold: 81, passing: 4, accepted: 3, declined: 1, unknown: 0, acceptance_rate: 0.75 },
    ]);
  });

  it("handles the ends of the scale and thresholds nobody reaches", () => {
    // ≥ 0: every valid candidate: ✓ 95, 85.5, 79.99, 50, 100; ✗ 90, 78; ? 80, 78.5
    const [zero] = previewThresholds(SAMPLE, 0, 0);
    expect(zero).toEqual({ threshold: 0, passing: 9, accepted: 5, declined: 2, unknown: 2, acceptance_rate: 5 / 7 });
    expect(previewThresholds(SAMPLE, 100, 100)).toEqual([
      { threshold: 100, passing: 1, accepted: 1, declined: 0, unknown: 0, acceptance_rate: 1 },
    ]);
    const nobody = { rating: [10, 20], outcome: [0, 0] };
    expect(previewThresholds(nobody, 15, 15)).toEqual([
      { threshold: 15, passing: 1, accepted: 0, declined: 0, unknown: 1, acceptance_rate: null },
    ]);
    expect(previewThresholds({ rating: [], outcome: [] }, 50, 51).map((row) => row.passing)).toEqual([0, 0]);
  });

  it("rejects a bad range or mismatched columns", () => {
    expect(() => previewThresholds(SAMPLE, 81, 78)).toThrow(RangeError);
    expect(() => previewThresholds(SAMPLE, -1, 50)).toThrow(RangeError);
    expect(() => previewThresholds(SAMPLE, 50, 101)).toThrow(RangeError);
    expect(() => previewThresholds(SAMPLE, 50.5, 60)).toThrow(RangeError);
    expect(() => previewThresholds({ rating: [1, 2], outcome: [1] }, 0, 10)).toThrow(RangeError);
  });

  it("agrees with a direct count for any data (property)", () => {
    const candidate = fc.record({
      rating: fc.oneof(
        fc.integer({ min: 0, max: 100 }),
        fc.double({ min: 0, max: 100, noNaN: true }),
        fc.float({ min: 0, max: 100, noNaN: true }).map((value) => Math.fround(value)),
        fc.constantFrom(Number.NaN, -0.5, 100.0001),
      ),
      outcome: fc.constantFrom(-1, 0, 1),
    });
    fc.assert(
      fc.property(
        fc.array(candidate, { maxLength: 300 }),
        fc.integer({ min: 0, max: 100 }),
        fc.integer({ min: 0, max: 100 }),
        (rows, a, b) => {
          const from = Math.min(a, b);
          const to = Math.max(a, b);
          const columns = {
            rating: Float64Array.from(rows, (r) => r.rating),
            outcome: Int8Array.from(rows, (r) => r.outcome),
          };
          const preview = previewThresholds(columns, from, to);
          expect(preview).toHaveLength(to - from + 1);
          for (const row of preview) {
            const passing = rows.filter((r) => r.rating >= row.threshold && r.rating <= 100);
            const accepted = passing.filter((r) => r.outcome === 1).length;
            const declined = passing.filter((r) => r.outcome === -1).length;
            expect(row.passing).toBe(passing.length);
            expect(row.accepted).toBe(accepted);
            expect(row.declined).toBe(declined);
            expect(row.acceptance_rate).toBe(accepted + declined > 0 ? accepted / (accepted + declined) : null);
          }
        },
      ),
      { seed: 31, numRuns: 300 },
    );
  });

  it("takes a million Float32 ratings in one pass", () => {
    const n = 1_000_000;
    const rating = new Float32Array(n);
    const outcome = new Int8Array(n);
    for (let i = 0; i < n; i++) {
      rating[i] = ((i * 7919) % 10_001) / 100;
      outcome[i] = ((i % 3) - 1) as -1 | 0 | 1;
    }
    const preview = thresholdPreview({ rating, outcome }, { from: 0, to: 100 });
    expect(preview.candidates).toBe(n);
    expect(preview.thresholds[0].passing).toBe(n);
    // Passing counts never grow as the threshold rises.
    for (let i = 1; i < preview.thresholds.length; i++) {
      expect(preview.thresholds[i].passing).toBeLessThanOrEqual(preview.thresholds[i - 1].passing);
    }
  });
});

describe("acceptance by rating band", () => {
  it("groups the sample into bands of 10, by hand", () => {
    // 50–60: 50 ✓ | 70–80: 79.99 ✓, 78 ✗, 78.5 ? | 80–90: 85.5 ✓, 80 ? | 90–100: 95 ✓, 90 ✗, 100 ✓
    const bands = acceptanceByBand(SAMPLE);
    expect(bands).toHaveLength(10);
    expect(bands[0]).toEqual({
      from: 0,
      to: 10,
      candidates: 0,
      accepted: 0,
      declined: 0,
      unknown: 0,
      acceptance_rate: null,
    });
    expect(bands[5]).toEqual({
      from: 50,
      to: 60,
      candidates: 1,
      accepted: 1,
      declined: 0,
      unknown: 0,
      acceptance_rate: 1,
    });
    expect(bands[7]).toEqual({
      from: 70,
      to: 80,
      candidates: 3,
      accepted: 1,
      declined: 1,
      unknown: 1,
      acceptance_rate: 0.5,
    });
    expect(bands[8]).toEqual({
      from: 80,
      to: 90,
      candidates: 2,
      accepted: 1,
      declined: 0,
      unknown: 1,
      acceptance_rate: 1,
    });
    expect(bands[9]).toEqual({
      from: 90,
      to: 100,
      candidates: 3,
      accepted: 2,
      declined: 1,
      unknown: 0,
      acceptance_rate: 2 / 3,
    });
  });

  it("supports other widths, the last band closing at 100", () => {
    expect(ratingBandCount(30)).toBe(4);
    expect(acceptanceByBand(SAMPLE, 30).map((band) => [band.from, band.to, band.candidates])).toEqual([
      [0, 30, 0],
      [30, 60, 1],
      [60, 90, 5],
      [90, 100, 3],
    ]);
    expect(ratingBandIndex(80, 10, 10)).toBe(8);
    expect(ratingBandIndex(79.999, 10, 10)).toBe(7);
    expect(ratingBandIndex(100, 10, 10)).toBe(9);
    expect(() => acceptanceByBand(SAMPLE, 0)).toThrow(RangeError);
    expect(() => acceptanceByBand(SAMPLE, 2.5)).toThrow(RangeError);
  });

  it("the combined preview reports what it skipped", () => {
    const preview = thresholdPreview(
      { rating: [...SAMPLE.rating, 60], outcome: [...SAMPLE.outcome, 7] },
      { from: 78, to: 80, bandWidth: 20 },
    );
    // NaN and 120 (bad ratings) and outcome 7 (bad code) are skipped.
    expect(preview.ignored).toBe(3);
    expect(preview.candidates).toBe(9);
    expect(preview.thresholds.map((row) => row.passing)).toEqual([8, 6, 5]);
    expect(preview.bands.map((band) => band.candidates)).toEqual([0, 0, 1, 3, 5]);
  });
});
