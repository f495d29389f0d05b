import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { candidateCalibrationReport } from "../../src/domain/calibration-report";

function expectClose(actual: number | null | undefined, expected: number, tolerance = 1e-12) {
  expect(actual).not.toBeNull();
  const error = Math.abs((actual as number) - expected) / Math.max(1, Math.abs(expected));
  if (!(error <= tolerance)) expect.fail(`${actual} differs from ${expected} by ${error} (tolerance ${tolerance})`);
}

// Hand-checked sample (1 accepted, −1 declined, 0 unknown):
//   80–90 band: 85 ✓, 85 ✗, 82 ✓, 88 ✓    90–100 band: 95 ✓, 100 ✓    30–40 band: 35 ✗
//   left out: 70 ? (unknown), NaN, 101, −1 (bad ratings), 60 with outcome 5 (bad code)
const SAMPLE = {
  rating: Float64Array.from([85, 85, 82, 88, 95, 100, 35, 70, Number.NaN, 101, -1, 60]),
  outcome: Int8Array.from([1, -1, 1, 1, 1, 1, -1, 0, 1, 1, 1, 5]),
};

describe("candidateCalibrationReport", () => {
  it("compares predicted and observed acceptance per band, by hand", () => {
    const report = candidateCalibrationReport(SAMPLE);
    expect(report.resolved).toBe(7);
    expect(report.accepted).toBe(5);
    expect(report.unknown).toBe(1);
    expect(report.ignored).toBe(4);
    expect(report.bands).toHaveLength(10);

    // 80–90: predicted (0.85 + 0.85 + 0.82 + 0.88)/4 = 0.85, observed 3/4 = 0.75, gap −0.10
    // Wilson(3, 4): centre (0.75 + 1.920729410347062/4)/(1 + 3.841458820694124/4) = 0.6275272908863507,
    // half-width 0.3268854483039488 → [0.3006418425824019, 0.9544127391902995]; 0.85 lies inside.
    const eighties = report.bands[8];
    expect(eighties).toMatchObject({
      from: 80,
      to: 90,
      resolved: 4,
      accepted: 3,
      declined: 1,
      predicted_within_interval: true,
    });
    expectClose(eighties.predicted_rate, 0.85, 1e-15);
    expectClose(eighties.observed_rate, 0.75, 1e-15);
    expectClose(eighties.gap, -0.1, 1e-15);
    expectClose(eighties.observed_ci_low, 0.3006418425824019, 1e-14);
    expectClose(eighties.observed_ci_high, 0.9544127391902995, 1e-14);

    // 90–100 (100 included): predicted (0.95 + 1.00)/2 = 0.975, observed 1, gap +0.025
    const nineties = report.bands[9];
    expect(nineties).toMatchObject({ from: 90, to: 100, resolved: 2, accepted: 2, declined: 0, observed_rate: 1 });
    expectClose(nineties.predicted_rate, 0.975, 1e-15);
    expectClose(nineties.gap, 0.025, 1e-15);

    // 30–40: predicted 0.35, observed 0, gap −0.35; Wilson(0, 1) = [0, 3.8414588/4.8414588 = 0.79345…]
    const thirties = report.bands[3];
    expectClose(thirties.gap, -0.35, 1e-15);
    expect(thirties.observed_ci_low).toBe(0);
    expectClose(thirties.observed_ci_high, 3.841458820694124 / 4.841458820694124, 1e-14);

    // Empty bands are all null.
    expect(report.bands[0]).toEqual({
      from: 0,
      to: 10,
      resolved: 0,
      accepted: 0,
      declined: 0,
      predicted_rate: null,
      observed_rate: null,
      observed_ci_low: null,
      observed_ci_high: null,
      gap: null,
      predicted_within_interval: null,
    });

    // ECE = (4·0.10 + 2·0.025 + 1·0.35)/7 = 0.8/7 = 0.11428571428571428; MCE = 0.35
    expectClose(report.expected_calibration_error, 0.8 / 7, 1e-14);
    expectClose(report.maximum_calibration_error, 0.35, 1e-15);
    // Brier = (0.15² + 0.85² + 0.18² + 0.12² + 0.05² + 0² + 0.35²)/7
    //       = (0.0225 + 0.7225 + 0.0324 + 0.0144 + 0.0025 + 0 + 0.1225)/7 = 0.9168/7 = 0.13097142857142857
    expectClose(report.brier_score, 0.9168 / 7, 1e-14);
    // Mean predicted (0.85·4 + 1.95 + 0.35)/7 = 5.7/7; observed 5/7.
    expectClose(report.mean_predicted_rate, 5.7 / 7, 1e-14);
    expectClose(report.observed_rate, 5 / 7, 1e-15);
  });

  it("uses other band widths and confidence levels", () => {
    const report = candidateCalibrationReport(SAMPLE, { bandWidth: 50, confidenceLevel: 0.9 });
    expect(report.bands.map((band) => [band.from, band.to, band.resolved])).toEqual([
      [0, 50, 1],
      [50, 100, 6],
    ]);
    expect(report.confidence_level).toBe(0.9);
    // A narrower level gives a narrower interval than at 95 %.
    const at95 = candidateCalibrationReport(SAMPLE, { bandWidth: 50 });
    expect(report.bands[1].observed_ci_low!).toBeGreaterThan(at95.bands[1].observed_ci_low!);
    expect(() => candidateCalibrationReport(SAMPLE, { bandWidth: 0 })).toThrow(RangeError);
    expect(() => candidateCalibrationReport(SAMPLE, { confidenceLevel: 1 })).toThrow(RangeError);
    expect(() => candidateCalibrationReport({ rating: [1], outcome: [] })).toThrow(RangeError);
  });

  it("summary figures are null without resolved candidates", () => {
    const report = candidateCalibrationReport({ rating: [50, 60], outcome: [0, 0] });
    expect(report).toMatchObject({
      resolved: 0,
      unknown: 2,
      mean_predicted_rate: null,
      observed_rate: null,
      expected_calibration_error: null,
      maximum_calibration_error: null,
      brier_score: null,
    });
  });

  it("a perfectly calibrated source has a small ECE and an honest one a large ECE (simulation)", () => {
    // Candidates whose true acceptance probability equals rating/100, vs. a rating inflated by 20 points.
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 ** 31 - 1 }), (seed) => {
        let state = seed;
        const random = () => {
          state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
          return state / 2 ** 32;
        };
        const n = 20_000;
        const rating = new Float32Array(n);
        const inflated = new Float32Array(n);
        const outcome = new Int8Array(n);
        for (let i = 0; i < n; i++) {
          rating[i] = random() * 80;
          inflated[i] = rating[i] + 20;
          outcome[i] = random() < rating[i] / 100 ? 1 : -1;
        }
        expect(candidateCalibrationReport({ rating, outcome }).expected_calibration_error!).toBeLessThan(0.03);
        expectClose(candidateCalibrationReport({ rating: inflated, outcome }).expected_calibration_error!, 0.2, 0.03);
      }),
      { seed: 3, numRuns: 5 },
    );
  });
});
