import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { armStatsFromClients, experimentReport } from "../../src/domain/experiment-report";
import {
  ASSIGNMENT_BUCKETS,
  assignArm,
  assignmentBucket,
  controlBucketCount,
  type ExperimentDefinition,
  holdingExperiment,
  inScope,
  isRunning,
} from "../../src/domain/experiments";
import { murmurHash3, murmurHash3Utf8 } from "../../src/domain/hashing";
import { chiSquareSurvival } from "../../src/domain/probability";

function expectClose(actual: number | null | undefined, expected: number, tolerance = 1e-12) {
  expect(actual).not.toBeNull();
  expect(actual).not.toBeUndefined();
  const error = Math.abs((actual as number) - expected) / Math.max(1, Math.abs(expected));
  if (!(error <= tolerance)) expect.fail(`${actual} differs from ${expected} by ${error} (tolerance ${tolerance})`);
}

const Z_975 = 1.959963984540054;
const BASE32 = [..."0123456789abcdefghjkmnpqrstvwxyz"];
/** Ids shaped like the project's (`cl_` + 20 Crockford base32 characters). */
const clientIdArbitrary = fc
  .string({ unit: fc.constantFrom(...BASE32), minLength: 20, maxLength: 20 })
  .map((token) => `cl_${token}`);
const experimentIdArbitrary = fc
  .string({ unit: fc.constantFrom(...BASE32), minLength: 20, maxLength: 20 })
  .map((token) => `exp_${token}`);

// 100,000 generated client ids, fixed seed so that the suite is reproducible.
const CLIENT_IDS = fc.sample(clientIdArbitrary, { numRuns: 100_000, seed: 1_000_003 });

describe("MurmurHash3_x86_32", () => {
  const bytes = (text: string) => new TextEncoder().encode(text);

  it("matches the reference test vectors", () => {
    expect(murmurHash3(new Uint8Array(0), 0)).toBe(0);
    expect(murmurHash3(new Uint8Array(0), 1)).toBe(0x514e28b7);
    expect(murmurHash3(new Uint8Array(0), 0xffffffff)).toBe(0x81f16f39);
    expect(murmurHash3(new Uint8Array([0xff, 0xff, 0xff, 0xff]), 0)).toBe(0x76293b50);
    expect(murmurHash3(new Uint8Array([0x21, 0x43, 0x65, 0x87]), 0)).toBe(0xf55b516b);
    expect(murmurHash3(new Uint8Array([0x21, 0x43, 0x65]), 0)).toBe(0x7e4a8634);
    expect(murmurHash3(bytes("test"), 0)).toBe(0xba6bd213);
    expect(murmurHash3(bytes("test"), 0x9747b28c)).toBe(0x704b81dc);
    expect(murmurHash3(bytes("Hello, world!"), 0)).toBe(0xc0363e43);
    expect(murmurHash3(bytes("Hello, world!"), 0x9747b28c)).toBe(0x24884cba);
    expect(murmurHash3Utf8("The quick brown fox jumps over the lazy dog")).toBe(0x2e4ff723);
    expect(murmurHash3Utf8("The quick brown fox jumps over the lazy dog", 0x9747b28c)).toBe(0x2fa826cd);
    expect(murmurHash3Utf8("hello")).toBe(0x248bfa47);
    // Non-ASCII keys hash their UTF-8 bytes.
    expect(murmurHash3Utf8("special characters açb↓c")).toBe(0xbe83b140);
    expect(murmurHash3Utf8("Rýchla hnedá líška preskočila lenivého psa")).toBe(0x678b9be9);
  });

  it("passes SMHasher's verification value 0xB0F57EE3", () => {
    // Hash [0], [0, 1], …, [0 … 254] with seed 256 − length, store the results little-endian, hash that.
    const key = new Uint8Array(256);
    const results = new Uint8Array(1024);
    const view = new DataView(results.buffer);
    for (let length = 0; length < 256; length++) {
      key[length] = length;
      view.setUint32(length * 4, murmurHash3(key.subarray(0, length), 256 - length), true);
    }
    expect(murmurHash3(results, 0)).toBe(0xb0f57ee3);
  });

  it("hashes a string exactly as TextEncoder's bytes, lone surrogates included (property)", () => {
    const anyUtf16 = fc.string({ unit: fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code)) });
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ unit: "binary" }), anyUtf16),
        fc.integer({ min: 0, max: 0xffffffff }),
        (text, seed) => {
          expect(murmurHash3Utf8(text, seed)).toBe(murmurHash3(new TextEncoder().encode(text), seed));
        },
      ),
      { seed: 77, numRuns: 500 },
    );
  });
});

describe("assignment", () => {
  it("bucket = ⌊murmur3(experiment ‖ NUL ‖ client) · 10,000 / 2³²⌋", () => {
    const hash = murmurHash3(new TextEncoder().encode("exp_demo\u0000cl_client"), 0);
    expect(assignmentBucket("exp_demo", "cl_client")).toBe(Math.floor((hash * 10_000) / 2 ** 32));
    expect(controlBucketCount(0.05)).toBe(500);
    expect(controlBucketCount(0.1)).toBe(1000);
    expect(ASSIGNMENT_BUCKETS).toBe(10_000);
  });

  it("is stable: the same input always gives the same arm (property)", () => {
    fc.assert(
      fc.property(
        experimentIdArbitrary,
        fc.oneof(clientIdArbitrary, fc.string({ unit: "binary" })),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (experimentId, clientId, share) => {
          const arm = assignArm(experimentId, clientId, share);
          expect(assignArm(experimentId, clientId, share)).toBe(arm);
          const bucket = assignmentBucket(experimentId, clientId);
          expect(arm).toBe(bucket < Math.round(share * 10_000) ? "control" : "treatment");
        },
      ),
      { seed: 11, numRuns: 1000 },
    );
  });

  it("holds out the planned share within ±0.5 percentage points over 100k clients (property)", () => {
    // Standard error of the share over 100k clients: √(s(1−s)/n) = 0.069 pp at 5 %, 0.095 pp at 10 %,
    // 0.158 pp at 50 %: the tolerance is 7.2σ, 5.3σ and 3.2σ respectively.
    for (const share of [0.05, 0.1, 0.5]) {
      fc.assert(
        fc.property(experimentIdArbitrary, (experimentId) => {
          let control = 0;
          for (const clientId of CLIENT_IDS) if (assignArm(experimentId, clientId, share) === "control") control++;
          expect(Math.abs(control / CLIENT_IDS.length - share)).toBeLessThanOrEqual(0.005);
        }),
        { seed: Math.round(share * 1000), numRuns: 4 },
      );
    }
  });

  it("spreads clients evenly over the buckets (chi-square over 100 groups of 100 buckets)", () => {
    const groups = new Array<number>(100).fill(0);
    for (const clientId of CLIENT_IDS) groups[Math.floor(assignmentBucket("exp_uniformity", clientId) / 100)]++;
    let statistic = 0;
    for (const count of groups) statistic += (count - 1000) ** 2 / 1000;
    expect(chiSquareSurvival(statistic, 99)).toBeGreaterThan(0.001);
  });

  it("splits independently across experiments (property)", () => {
    fc.assert(
      fc.property(experimentIdArbitrary, experimentIdArbitrary, (first, second) => {
        fc.pre(first !== second);
        // 2 × 2 table of arms at a 50 % holdout; independence ⇒ each cell ≈ 25 %.
        const cells = [0, 0, 0, 0];
        for (const clientId of CLIENT_IDS) {
          const a = assignArm(first, clientId, 0.5) === "control" ? 1 : 0;
          const b = assignArm(second, clientId, 0.5) === "control" ? 1 : 0;
          cells[a * 2 + b]++;
        }
        const n = CLIENT_IDS.length;
        const rowA = cells[2] + cells[3];
        const columnB = cells[1] + cells[3];
        let statistic = 0;
        for (let a = 0; a < 2; a++) {
          for (let b = 0; b < 2; b++) {
            const expected = ((a ? rowA : n - rowA) * (b ? columnB : n - columnB)) / n;
            statistic += (cells[a * 2 + b] - expected) ** 2 / expected;
          }
        }
        expect(chiSquareSurvival(statistic, 1)).toBeGreaterThan(0.001);
        // Control of both at 50 % each: 25 % ± 0.6 pp (4.4σ).
        expect(Math.abs(cells[3] / n - 0.25)).toBeLessThan(0.006);
      }),
      { seed: 5, numRuns: 6 },
    );
  });

  it("widening the holdout only moves treated clients into control", () => {
    for (const clientId of CLIENT_IDS.slice(0, 20_000)) {
      if (assignArm("exp_nested", clientId, 0.05) === "control") {
        expect(assignArm("exp_nested", clientId, 0.1)).toBe("control");
      }
    }
    expect(assignArm("exp_any", "cl_any", 0)).toBe("treatment");
    expect(assignArm("exp_any", "cl_any", 1)).toBe("control");
    expect(() => assignArm("exp_any", "cl_any", 1.2)).toThrow(RangeError);
    expect(() => assignArm("exp_any", "cl_any", Number.NaN)).toThrow(RangeError);
  });
});

describe("scope", () => {
  const candidate = { serviceId: "svc_mortgage", category: "loans.mortgage", companyId: "co_bank" };
  const experiment = (scopeType: ExperimentDefinition["scopeType"], scopeId: string): ExperimentDefinition => ({
    id: `exp_${scopeType}`,
    scopeType,
    scopeId,
    holdoutShare: 0.5,
    startsAt: 1_000,
    endsAt: 2_000,
  });

  it("matches all, company, category and service scopes", () => {
    expect(inScope(experiment("all", ""), candidate)).toBe(true);
    expect(inScope(experiment("company", "co_bank"), candidate)).toBe(true);
    expect(inScope(experiment("company", "co_insurer"), candidate)).toBe(false);
    expect(inScope(experiment("category", "loans.mortgage"), candidate)).toBe(true);
    expect(inScope(experiment("category", "insurance.property"), candidate)).toBe(false);
    expect(inScope(experiment("service", "svc_mortgage"), candidate)).toBe(true);
    expect(inScope(experiment("service", "svc_other"), candidate)).toBe(false);
  });

  it("runs from startsAt inclusive to endsAt exclusive", () => {
    const running = experiment("all", "");
    expect(isRunning(running, 999)).toBe(false);
    expect(isRunning(running, 1_000)).toBe(true);
    expect(isRunning(running, 1_999)).toBe(true);
    expect(isRunning(running, 2_000)).toBe(false);
  });

  it("finds the experiment that holds a client out, if any", () => {
    const all = { ...experiment("all", ""), holdoutShare: 0.5 };
    const other = { ...experiment("service", "svc_other"), holdoutShare: 1 };
    const held = CLIENT_IDS.find((id) => assignArm(all.id, id, 0.5) === "control")!;
    const treated = CLIENT_IDS.find((id) => assignArm(all.id, id, 0.5) === "treatment")!;
    expect(holdingExperiment([other, all], candidate, held, 1_500)).toBe(all);
    expect(holdingExperiment([other, all], candidate, treated, 1_500)).toBeNull();
    expect(holdingExperiment([other, all], candidate, held, 2_500)).toBeNull();
  });
});

describe("experiment report", () => {
  it("response rates: the worked example, by hand", () => {
    // control 50 / 1000, treatment 80 / 1000, planned 50 % holdout.
    // p_c = 0.05, p_t = 0.08, difference 0.03
    // Wald SE = √(0.05·0.95/1000 + 0.08·0.92/1000) = √(0.0000475 + 0.0000736) = √0.0001211
    //         = 0.011004544515789829
    // CI = 0.03 ± 1.959963984540054 · 0.011004544515789829 = 0.03 ± 0.021568510917215834
    //    = [0.008431489082784165, 0.05156851091721583]
    // pooled p̄ = 130/2000 = 0.065; SE₀ = √(0.065·0.935·(2/1000)) = √0.00012155 = 0.011024971655292362
    // z = 0.03 / 0.011024971655292362 = 2.721095431170472; p = erfc(z/√2) = 0.006506597483637832
    // relative: RR = 0.08/0.05 = 1.6 → +60 %; Katz SE(ln RR) = √(1/80 − 1/1000 + 1/50 − 1/1000) = √0.0305
    //         = 0.1746424919657298; ln 1.6 = 0.4700036292457356
    // CI = exp(0.4700036292457356 ∓ 1.959963984540054·0.1746424919657298) − 1
    //    = exp(0.4700036292457356 ∓ 0.3422929944231562) − 1 = [0.13622417141424262, 1.2530765181782775]
    const report = experimentReport({
      holdoutShare: 0.5,
      control: { clients: 1000, responders: 50 },
      treatment: { clients: 1000, responders: 80 },
    });
    expect(report.control.response_rate).toBe(0.05);
    expect(report.treatment.response_rate).toBe(0.08);
    const absolute = report.response_rate.absolute_uplift;
    expectClose(absolute.estimate, 0.03, 1e-15);
    expectClose(absolute.standard_error, Math.sqrt(0.0001211), 1e-15);
    expectClose(absolute.ci_low, 0.008431489082784165, 1e-6);
    expectClose(absolute.ci_high, 0.05156851091721583, 1e-6);
    expectClose(absolute.ci_low, 0.03 - Z_975 * Math.sqrt(0.0001211), 1e-15);
    expectClose(report.response_rate.z_statistic, 0.03 / Math.sqrt(0.00012155), 1e-14);
    expectClose(report.response_rate.z_statistic, 2.721095431170472, 1e-6);
    expectClose(report.response_rate.p_value, 0.006506597483637832, 1e-6);
    expect(report.response_rate.significant).toBe(true);
    const relative = report.response_rate.relative_uplift;
    expectClose(relative.estimate, 0.6, 1e-15);
    expectClose(relative.ci_low, 0.13622417141424262, 1e-6);
    expectClose(relative.ci_high, 1.2530765181782775, 1e-6);
    expect(report.spend_per_client).toBeNull();
    // Equal arms at a 50 % plan: X² = 0, p = 1.
    expect(report.sample_ratio).toEqual({
      expected_control_share: 0.5,
      observed_control_share: 0.5,
      chi_square: 0,
      p_value: 1,
      mismatch: false,
      threshold: 0.001,
    });
    expect(report.verdict).toBe("treatment_better");
    expect(report.confidence_level).toBe(0.95);
    expect(report.alpha).toBe(0.05);
  });

  it("spend per client: Welch and the delta-method ratio, by hand", () => {
    // treatment spends [3, 5, 7]: mean 5, s² 4;   control spends [1, 2, 3, 4]: mean 2.5, s² 5/3
    // (the Welch example of statistics.test.ts): difference 2.5, SE √1.75, ν = 1323/409,
    // CI [−1.5423279549230244, 6.542327954923024], p = 0.1484713470268853.
    // Ratio 5/2.5 = 2 → +100 %; Var(ln ratio) ≈ 4/(3·25) + (5/3)/(4·6.25) = 0.0533… + 0.0666… = 0.12
    // CI = 2·exp(∓1.959963984540054·√0.12) − 1 = 2·exp(∓0.678951…) − 1 = [0.014296978115147138, 2.9436181772257077]
    const report = experimentReport({
      holdoutShare: 0.5,
      treatment: armStatsFromClients([1, 1, 1], [3, 5, 7]),
      control: armStatsFromClients([1, 1, 1, 1], [1, 2, 3, 4]),
    });
    expect(report.treatment).toEqual({
      clients: 3,
      responders: 3,
      response_rate: 1,
      spend_total: 15,
      spend_per_client: 5,
      spend_per_client_sd: 2,
    });
    expectClose(report.control.spend_per_client_sd, Math.sqrt(5 / 3), 1e-15);
    const spend = report.spend_per_client!;
    expectClose(spend.absolute_uplift.estimate, 2.5, 1e-15);
    expectClose(spend.absolute_uplift.standard_error, Math.sqrt(1.75), 1e-15);
    expectClose(spend.absolute_uplift.degrees_of_freedom, 1323 / 409, 1e-14);
    expectClose(spend.absolute_uplift.ci_low, -1.5423279549230244, 1e-6);
    expectClose(spend.absolute_uplift.ci_high, 6.542327954923024, 1e-6);
    expectClose(spend.t_statistic, 2.5 / Math.sqrt(1.75), 1e-14);
    expectClose(spend.p_value, 0.1484713470268853, 1e-6);
    expect(spend.significant).toBe(false);
    expectClose(spend.relative_uplift.estimate, 1, 1e-15);
    expectClose(spend.relative_uplift.ci_low, 0.014296978115147138, 1e-6);
    expectClose(spend.relative_uplift.ci_high, 2.9436181772257077, 1e-6);
    // Everyone responded in both arms: the proportion test is undefined, and says why.
    expect(report.response_rate.p_value).toBeNull();
    expect(report.response_rate.absolute_uplift.estimate).toBe(0);
    expect(report.response_rate.absolute_uplift.ci_low).toBeNull();
    expect(report.verdict).toBe("insufficient_data");
    expect(report.notes).toContain("Response-rate test undefined: every client in both arms responded.");
  });

  it("sample-ratio mismatch, by hand", () => {
    // Planned 5 %: N = 10,000 → expected 500 / 9,500; observed 600 / 9,400:
    // X² = 100²/500 + 100²/9500 = 20 + 1.0526315789473684 = 21.052631578947366
    // p = erfc(√(X²/2)) = 4.468387345230045e-6 < 0.001 → mismatch; the verdict says so.
    const report = experimentReport({
      holdoutShare: 0.05,
      control: { clients: 600, responders: 30 },
      treatment: { clients: 9400, responders: 800 },
    });
    expectClose(report.sample_ratio.chi_square, 20 + 10000 / 9500, 1e-14);
    expect(Math.abs(report.sample_ratio.p_value! - 4.468387345230045e-6) / 4.468387345230045e-6).toBeLessThan(1e-9);
    expect(report.sample_ratio.mismatch).toBe(true);
    expect(report.sample_ratio.observed_control_share).toBe(0.06);
    expect(report.verdict).toBe("sample_ratio_mismatch");
    expect(report.notes.some((note) => note.startsWith("Sample ratio mismatch"))).toBe(true);
    // 560 / 9,440: X² = 7.578947368421053, p = 0.0059 — not a mismatch at the 0.001 threshold.
    const fine = experimentReport({
      holdoutShare: 0.05,
      control: { clients: 560, responders: 28 },
      treatment: { clients: 9440, responders: 472 },
    });
    expect(fine.sample_ratio.mismatch).toBe(false);
    expect(fine.verdict).toBe("no_significant_difference");
  });

  it("edge cases give nulls and notes, never NaN", () => {
    const noClients = experimentReport({
      holdoutShare: 0.1,
      control: { clients: 0, responders: 0, spendSum: 0, spendSumOfSquares: 0 },
      treatment: { clients: 10, responders: 2, spendSum: 100, spendSumOfSquares: 5000 },
    });
    expect(noClients.control.response_rate).toBeNull();
    expect(noClients.response_rate.absolute_uplift.estimate).toBeNull();
    expect(noClients.spend_per_client!.absolute_uplift.estimate).toBeNull();
    expect(noClients.verdict).toBe("insufficient_data");
    expect(noClients.notes).toContain("The control arm has no clients yet.");

    const noResponders = experimentReport({
      holdoutShare: 0.1,
      control: { clients: 100, responders: 0, spendSum: 0, spendSumOfSquares: 0 },
      treatment: { clients: 900, responders: 0, spendSum: 0, spendSumOfSquares: 0 },
    });
    expect(noResponders.response_rate.absolute_uplift).toEqual({
      estimate: 0,
      ci_low: null,
      ci_high: null,
      standard_error: null,
    });
    expect(noResponders.response_rate.relative_uplift.estimate).toBeNull();
    expect(noResponders.response_rate.p_value).toBeNull();
    expect(noResponders.spend_per_client!.absolute_uplift.ci_low).toBeNull();
    expect(noResponders.notes).toContain("Response-rate test undefined: no responders in either arm.");
    expect(noResponders.notes).toContain(
      "Spend interval undefined: spend per client does not vary in either arm (both variances are 0).",
    );

    const treatmentSilent = experimentReport({
      holdoutShare: 0.5,
      control: { clients: 500, responders: 20 },
      treatment: { clients: 500, responders: 0 },
    });
    expect(treatmentSilent.response_rate.relative_uplift).toEqual({ estimate: -1, ci_low: null, ci_high: null });
    expect(treatmentSilent.verdict).toBe("treatment_worse");

    const json = JSON.stringify([noClients, noResponders, treatmentSilent]);
    expect(json).not.toContain("NaN");
    expect(json).not.toContain("Infinity");
    for (const report of [noClients, noResponders, treatmentSilent]) {
      const numbers = JSON.stringify(report).match(/-?\d+(\.\d+)?(e[-+]?\d+)?/g) ?? [];
      for (const n of numbers) expect(Number.isFinite(Number(n))).toBe(true);
    }
  });

  it("rejects inconsistent inputs", () => {
    const ok = { clients: 10, responders: 1 };
    expect(() =>
      experimentReport({ holdoutShare: 0.1, control: { clients: 5, responders: 6 }, treatment: ok }),
    ).toThrow(RangeError);
    expect(() =>
      experimentReport({ holdoutShare: 0.1, control: { clients: -1, responders: 0 }, treatment: ok }),
    ).toThrow(RangeError);
    expect(() => experimentReport({ holdoutShare: 1.5, control: ok, treatment: ok })).toThrow(RangeError);
    expect(() => experimentReport({ holdoutShare: 0.1, control: { ...ok, spendSum: 1 }, treatment: ok })).toThrow(
      RangeError,
    );
    expect(() =>
      experimentReport({ holdoutShare: 0.1, control: { ...ok, spendSum: 1, spendSumOfSquares: 1 }, treatment: ok }),
    ).toThrow(RangeError);
    expect(() => experimentReport({ holdoutShare: 0.1, control: ok, treatment: ok }, { confidenceLevel: 1 })).toThrow(
      RangeError,
    );
    expect(() => armStatsFromClients([1], [-5])).toThrow(RangeError);
    expect(() => armStatsFromClients([1, 0], [5])).toThrow(RangeError);
  });

  it("the 95 % interval covers a known true uplift about 95 % of the time (simulation)", () => {
    // 400 simulated experiments with true rates 5 % vs 6 %, 4,000 clients per arm, deterministic PRNG.
    let state = 123456789;
    const random = () => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return state / 2 ** 32;
    };
    const draw = (n: number, p: number) => {
      let x = 0;
      for (let i = 0; i < n; i++) if (random() < p) x++;
      return x;
    };
    let covered = 0;
    const runs = 400;
    for (let run = 0; run < runs; run++) {
      const report = experimentReport({
        holdoutShare: 0.5,
        control: { clients: 4000, responders: draw(4000, 0.05) },
        treatment: { clients: 4000, responders: draw(4000, 0.06) },
      });
      const { ci_low, ci_high } = report.response_rate.absolute_uplift;
      if (ci_low! <= 0.01 && 0.01 <= ci_high!) covered++;
    }
    // Binomial(400, 0.95) has SD 4.4 runs: 95 % ± 3 pp is more than 2.7σ either side.
    expect(covered / runs).toBeGreaterThan(0.92);
    expect(covered / runs).toBeLessThan(0.98);
  });
});
