import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  chiSquareCdf,
  chiSquareGoodnessOfFit,
  chiSquareSurvival,
  erfc,
  logBeta,
  logGamma,
  normalCdf,
  normalQuantile,
  normalTwoSidedPValue,
  regularizedBeta,
  regularizedGammaP,
  regularizedGammaQ,
  studentTCdf,
  studentTQuantile,
  studentTTwoSidedPValue,
  summarizeSample,
  summaryFromSums,
  twoSidedCriticalValue,
  welchTest,
  wilsonInterval,
} from "../../src/domain/probability";

/** |actual − expected| ≤ tolerance · max(1, |expected|). */
function expectClose(actual: number | null | undefined, expected: number, tolerance = 1e-12) {
  expect(actual).not.toBeNull();
  expect(actual).not.toBeUndefined();
  const error = Math.abs((actual as number) - expected) / Math.max(1, Math.abs(expected));
  if (!(error <= tolerance)) expect.fail(`${actual} differs from ${expected} by ${error} (tolerance ${tolerance})`);
}

/** Relative error, for tail probabilities far below 1. */
function expectRelative(actual: number, expected: number, tolerance: number) {
  const error = Math.abs(actual - expected) / Math.abs(expected);
  if (!(error <= tolerance))
    expect.fail(`${actual} differs from ${expected} by ${error} relative (tolerance ${tolerance})`);
}

describe("special functions", () => {
  it("ln Γ matches factorials and Γ(½) = √π", () => {
    expectClose(logGamma(1), 0, 1e-15);
    expectClose(logGamma(2), 0, 1e-15);
    expectClose(logGamma(10), Math.log(362880), 1e-14); // 9!
    expectClose(logGamma(0.5), Math.log(Math.sqrt(Math.PI)), 1e-14);
    expectClose(logGamma(0.1), Math.log(9.513507698668732), 1e-14); // Γ(0.1)
    expectClose(logGamma(101), 363.73937555556347, 1e-14); // ln 100!
    expect(() => logGamma(0)).toThrow(RangeError);
  });

  it("ln B stays exact where the three log-gammas nearly cancel", () => {
    // B(a, ½) for a = n + ½ … use B(a, 1) = 1/a, exact for every a.
    for (const a of [0.3, 5, 12, 1e3, 1e6, 5e8]) expectClose(logBeta(a, 1), -Math.log(a), 1e-13);
    // B(a, b) = B(b, a) and B(2, 3) = 1/12.
    expectClose(logBeta(2, 3), Math.log(1 / 12), 1e-14);
    expectClose(logBeta(15, 40), logBeta(40, 15), 1e-15);
    // B(10, 10) = 9!·9!/19! on the both-large branch.
    expectClose(logBeta(10, 10), 2 * Math.log(362880) - Math.log(121645100408832000), 1e-13);
    expectClose(logBeta(20, 30), logGamma(20) + logGamma(30) - logGamma(50), 1e-12);
  });

  it("incomplete gamma: P + Q = 1 and closed forms", () => {
    // a = 1: P(1, x) = 1 − e^(−x).
    for (const x of [0.01, 0.5, 1, 3, 10]) {
      expectClose(regularizedGammaP(1, x), -Math.expm1(-x), 1e-14);
      expectClose(regularizedGammaQ(1, x), Math.exp(-x), 1e-14);
    }
    for (const [a, x] of [
      [0.5, 0.2],
      [3, 2],
      [3, 8],
      [50, 45],
    ]) {
      expectClose(regularizedGammaP(a, x) + regularizedGammaQ(a, x), 1, 1e-14);
    }
    expect(regularizedGammaP(2, 0)).toBe(0);
    expect(regularizedGammaQ(2, 0)).toBe(1);
    expect(() => regularizedGammaP(0, 1)).toThrow(RangeError);
    expect(() => regularizedGammaQ(1, -1)).toThrow(RangeError);
  });

  it("incomplete beta: closed forms and symmetry", () => {
    // I_x(1, 1) = x; I_x(2, 1) = x²; I_x(1, 3) = 1 − (1 − x)³.
    for (const x of [0, 0.1, 0.37, 0.5, 0.9, 1]) {
      expectClose(regularizedBeta(x, 1, 1), x, 1e-14);
      expectClose(regularizedBeta(x, 2, 1), x * x, 1e-14);
      expectClose(regularizedBeta(x, 1, 3), 1 - (1 - x) ** 3, 1e-14);
      expectClose(regularizedBeta(x, 2.5, 7) + regularizedBeta(1 - x, 7, 2.5), 1, 1e-13);
    }
    expect(() => regularizedBeta(1.1, 1, 1)).toThrow(RangeError);
    expect(() => regularizedBeta(0.5, 0, 1)).toThrow(RangeError);
  });
});

describe("normal distribution", () => {
  it("Φ and erfc against tabulated values", () => {
    expect(normalCdf(0)).toBe(0.5);
    expectClose(normalCdf(1.96), 0.9750021048517795, 1e-15);
    expectClose(normalCdf(-1), 0.15865525393145707, 1e-15);
    expectClose(erfc(1), 0.15729920705028513, 1e-15);
    expectClose(erfc(-1), 1.8427007929497148, 1e-15);
    // Deep tail keeps relative accuracy: erfc(10) = 2.0884875837625446e-45.
    expectRelative(erfc(10), 2.0884875837625446e-45, 1e-13);
    // Two-sided p of z = 1.959963984540054 is 0.05.
    expectClose(normalTwoSidedPValue(-1.959963984540054), 0.05, 1e-14);
  });

  it("Φ⁻¹ against tabulated values, and Φ(Φ⁻¹(p)) = p", () => {
    expectClose(normalQuantile(0.975), 1.959963984540054, 1e-15);
    expectClose(normalQuantile(0.995), 2.5758293035489004, 1e-15);
    expectClose(normalQuantile(0.5), 0, 1e-16);
    expect(normalQuantile(0.25)).toBe(-normalQuantile(0.75));
    expectClose(normalQuantile(1e-10), -6.361340902404056, 1e-14);
    expect(normalQuantile(0)).toBe(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).toBe(Number.POSITIVE_INFINITY);
    expect(() => normalQuantile(1.5)).toThrow(RangeError);
    expect(() => normalQuantile(Number.NaN)).toThrow(RangeError);
    expectClose(twoSidedCriticalValue(0.95), 1.959963984540054, 1e-15);
    fc.assert(
      fc.property(fc.double({ min: 1e-12, max: 1 - 1e-12, noNaN: true }), (p) => {
        const x = normalQuantile(p);
        expectRelative(normalCdf(x), p, 1e-12);
      }),
      { seed: 20260101, numRuns: 500 },
    );
  });
});

describe("Student's t", () => {
  it("quantiles match the printed t table (3 decimals)", () => {
    // Standard t table, two-sided 95 % (p = 0.975), 99 % (p = 0.995) and one-sided 95 % (p = 0.95).
    const table: Array<[number, number, number]> = [
      [0.975, 1, 12.706],
      [0.975, 2, 4.303],
      [0.975, 5, 2.571],
      [0.975, 10, 2.228],
      [0.975, 30, 2.042],
      [0.975, 1000, 1.962],
      [0.995, 1, 63.657],
      [0.995, 5, 4.032],
      [0.995, 30, 2.75],
      [0.95, 5, 2.015],
      [0.95, 30, 1.697],
    ];
    for (const [p, df, value] of table) expect(Math.abs(studentTQuantile(p, df) - value)).toBeLessThan(5e-4);
  });

  it("quantiles match closed forms and high-precision references", () => {
    // df = 1: tan(π(p − ½)); at p = 0.975 that is tan(0.475π) = 12.706204736174707…
    expectClose(studentTQuantile(0.975, 1), Math.tan(0.475 * Math.PI), 1e-13);
    // df = 2: (2p − 1)/√(2p(1 − p)) = 0.95/√0.04875 = 4.302652729749464
    expectClose(studentTQuantile(0.975, 2), 0.95 / Math.sqrt(0.04875), 1e-14);
    // References (17 digits) from scipy.stats.t.ppf, which uses the Boost implementation.
    expectClose(studentTQuantile(0.975, 5), 2.5705818356363146, 1e-12);
    expectClose(studentTQuantile(0.975, 30), 2.0422724563012378, 1e-12);
    expectClose(studentTQuantile(0.975, 1000), 1.9623390808264083, 1e-12);
    expectClose(studentTQuantile(0.995, 4), 4.604094871349992, 1e-12);
    expectClose(studentTQuantile(0.6, 0.1), 1.5129761706778602, 1e-12);
    expectClose(studentTQuantile(0.975, 1e5), 1.9599877075346095, 1e-12);
    expectClose(studentTQuantile(0.975, 2e6), 1.9599651706763748, 1e-12);
    expectClose(studentTQuantile(0.975, 1e9), 1.959963986912325, 1e-12);
    // Far tail with df = 1, where tan(π(p − ½)) would lose six digits.
    expectClose(studentTQuantile(1e-10, 1), -3183098861.8379064, 1e-12);
    expect(studentTQuantile(0.5, 7)).toBe(0);
    expect(studentTQuantile(0.975, Number.POSITIVE_INFINITY)).toBe(normalQuantile(0.975));
    expect(() => studentTQuantile(0.975, 0)).toThrow(RangeError);
    expect(() => studentTQuantile(-0.1, 3)).toThrow(RangeError);
  });

  it("CDF inverts the quantile for any df and p (property)", () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1.0001, max: 5e6, noNaN: true }),
        fc.double({ min: 1e-9, max: 1 - 1e-9, noNaN: true }),
        (df, p) => {
          const t = studentTQuantile(p, df);
          const tail = p < 0.5 ? studentTCdf(t, df) : 1 - studentTCdf(t, df);
          expectRelative(tail, Math.min(p, 1 - p), 1e-9);
        },
      ),
      { seed: 424242, numRuns: 300 },
    );
  });

  it("CDF and two-sided p-values", () => {
    expect(studentTCdf(0, 3)).toBe(0.5);
    // df = 1 is Cauchy: F(1) = ¾.
    expectClose(studentTCdf(1, 1), 0.75, 1e-14);
    // df = 2: F(t) = ½ + t / (2√(t² + 2)); F(2) = ½ + 2/(2√6).
    expectClose(studentTCdf(2, 2), 0.5 + 1 / Math.sqrt(6), 1e-14);
    expectClose(studentTCdf(3, 4), 0.9800290159641406, 1e-13); // scipy reference
    expectClose(studentTTwoSidedPValue(-2.0422724563012378, 30), 0.05, 1e-12);
    expect(studentTTwoSidedPValue(0, 10)).toBe(1);
  });
});

describe("chi-square", () => {
  it("critical values of the table give 0.05", () => {
    expectClose(chiSquareSurvival(3.841458820694124, 1), 0.05, 1e-13);
    expectClose(chiSquareSurvival(5.991464547107979, 2), 0.05, 1e-13);
    expectClose(chiSquareSurvival(18.307038053275146, 10), 0.05, 1e-12);
    expectClose(chiSquareCdf(3.841458820694124, 1), 0.95, 1e-13);
  });

  it("1 df equals the normal relation and 2 df the exponential", () => {
    for (const x of [0.01, 0.7, 3.84, 12, 40]) {
      expectRelative(chiSquareSurvival(x, 1), erfc(Math.sqrt(x / 2)), 1e-13);
      expectRelative(chiSquareSurvival(x, 2), Math.exp(-x / 2), 1e-13);
    }
    expect(chiSquareSurvival(0, 1)).toBe(1);
    expect(chiSquareCdf(0, 1)).toBe(0);
  });

  it("goodness of fit: hand-computed sample-ratio example", () => {
    // Planned 5 % / 95 % of N = 10,000 → expected 500 / 9,500. Observed 560 / 9,440:
    // X² = 60²/500 + 60²/9500 = 7.2 + 0.378947368… = 7.578947368421053; p = erfc(√(X²/2)) = 0.0059054.
    const fit = chiSquareGoodnessOfFit([560, 9440], [0.05, 0.95])!;
    expectClose(fit.statistic, 7.2 + 3600 / 9500, 1e-14);
    expect(fit.degreesOfFreedom).toBe(1);
    expectClose(fit.pValue, 0.005905391532593249, 1e-12);
    expect(chiSquareGoodnessOfFit([0, 0], [0.5, 0.5])).toBeNull();
    expect(() => chiSquareGoodnessOfFit([1, 2], [0.5, 0.6])).toThrow(RangeError);
    expect(() => chiSquareGoodnessOfFit([1, 2], [1, 0])).toThrow(RangeError);
    expect(() => chiSquareGoodnessOfFit([1.5, 2], [0.5, 0.5])).toThrow(RangeError);
  });
});

describe("Wilson interval", () => {
  it("matches the hand computation for 3 of 4", () => {
    // p̂ = 0.75, z² = 3.841458820694124, z²/n = 0.960364705173531
    // centre = (0.75 + 0.4801823525867655) / 1.960364705173531 = 0.6275272908863507
    // half   = (1.959963984540054 / 1.960364705173531) · √(0.046875 + 3.841458820694124/64)
    //        = 0.99979558… · √0.1068977940733457 = 0.3268854483039488
    const interval = wilsonInterval(3, 4)!;
    expectClose(interval.low, 0.3006418425824019, 1e-14);
    expectClose(interval.high, 0.9544127391902995, 1e-14);
  });

  it("stays inside [0, 1] at the edges", () => {
    // 0 of 10: [0, z²/(n + z²)] = [0, 3.841458820694124 / 13.841458820694124] = [0, 0.2775327998628893]
    const none = wilsonInterval(0, 10)!;
    expect(none.low).toBe(0);
    expectClose(none.high, 3.841458820694124 / 13.841458820694124, 1e-14);
    expect(wilsonInterval(2, 2)!.high).toBe(1);
    expect(wilsonInterval(0, 0)).toBeNull();
    expect(() => wilsonInterval(3, 2)).toThrow(RangeError);
    expect(() => wilsonInterval(1, 2, 1)).toThrow(RangeError);
  });
});

describe("samples and Welch's test", () => {
  it("summaries from values and from sums agree", () => {
    // [3, 5, 7]: mean 5, variance ((−2)² + 0² + 2²)/2 = 4
    expect(summarizeSample([3, 5, 7])).toEqual({ n: 3, mean: 5, variance: 4 });
    // Σx = 15, Σx² = 83: (83 − 15·5)/2 = 4
    expect(summaryFromSums(3, 15, 83)).toEqual({ n: 3, mean: 5, variance: 4 });
    expect(summaryFromSums(0, 0, 0)).toEqual({ n: 0, mean: 0, variance: 0 });
    expect(summaryFromSums(1, 7, 49)).toEqual({ n: 1, mean: 7, variance: 0 });
    // Rounding that would make the variance slightly negative is clamped.
    expect(summaryFromSums(3, 0.3, 0.030000000000000002).variance).toBeGreaterThanOrEqual(0);
    expect(() => summarizeSample([1, Number.NaN])).toThrow(RangeError);
    expect(() => summaryFromSums(2, 1, -1)).toThrow(RangeError);
  });

  it("Welch on a tiny sample computed by hand", () => {
    // treatment [3, 5, 7]: n 3, mean 5, s² 4;   control [1, 2, 3, 4]: n 4, mean 2.5, s² 5/3
    // s_t²/n_t = 4/3, s_c²/n_c = 5/12; SE² = 4/3 + 5/12 = 21/12 = 1.75; SE = √1.75 = 1.3228756555322954
    // ν = 1.75² / ((4/3)²/2 + (5/12)²/3) = 3.0625 / (8/9 + 25/432) = 3.0625 / (409/432) = 1323/409
    //   = 3.234718826405868
    // t = 2.5 / 1.3228756555322954 = 1.889822365046136
    // t_{0.975, ν} = 3.055712710425896 (between the table's 3.182 at 3 df and 2.776 at 4 df)
    // CI = 2.5 ± 3.055712710425896 · 1.3228756555322954 = [−1.5423279549230244, 6.542327954923024]
    const result = welchTest(summarizeSample([3, 5, 7]), summarizeSample([1, 2, 3, 4]))!;
    expectClose(result.difference, 2.5, 1e-15);
    expectClose(result.standardError, Math.sqrt(1.75), 1e-15);
    expectClose(result.degreesOfFreedom, 1323 / 409, 1e-14);
    expectClose(result.tStatistic, 2.5 / Math.sqrt(1.75), 1e-14);
    expectClose(studentTQuantile(0.975, 1323 / 409), 3.055712710425896, 1e-12);
    expectClose(result.interval.low, -1.5423279549230244, 1e-12);
    expectClose(result.interval.high, 6.542327954923024, 1e-12);
    // Same p-value as scipy.stats.ttest_ind(equal_var=False): 0.1484713470268853
    expectClose(result.pValue, 0.1484713470268853, 1e-12);
  });

  it("is undefined without variance or with a single observation", () => {
    expect(welchTest({ n: 5, mean: 1, variance: 0 }, { n: 5, mean: 2, variance: 0 })).toBeNull();
    expect(welchTest({ n: 1, mean: 1, variance: 0 }, { n: 5, mean: 2, variance: 1 })).toBeNull();
    // One arm without variance: ν = n − 1 of the other arm.
    const oneSided = welchTest({ n: 10, mean: 3, variance: 0 }, { n: 6, mean: 2, variance: 2 })!;
    expectClose(oneSided.degreesOfFreedom, 5, 1e-14);
    expectClose(oneSided.interval.high - 1, studentTQuantile(0.975, 5) * Math.sqrt(2 / 6), 1e-12);
  });
});
