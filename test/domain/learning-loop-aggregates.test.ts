/**
 * The entry points the analytics routes use on database aggregates (threshold histogram,
 * calibration slots) agree with the per-candidate ones, and the experiment helpers of the lead
 * flow and the experiments API (assignment with its arm, status, scope and period overlap).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { calibrationReportFromSlots, candidateCalibrationReport } from "../../src/domain/calibration-report";
import {
  assignArm,
  type ExperimentDefinition,
  experimentAssignment,
  experimentStatus,
  holdingExperiment,
  periodsOverlap,
  scopesOverlap,
} from "../../src/domain/experiments";
import {
  ratingHistogramFromCounts,
  thresholdPreview,
  thresholdPreviewFromHistogram,
} from "../../src/domain/thresholds";

const candidates = fc.array(
  fc.record({
    rating: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.double({ min: 0, max: 100, noNaN: true })),
    outcome: fc.constantFrom(-1, 0, 1),
  }),
  { maxLength: 300 },
);

/** What `GROUP BY CAST(rating AS INTEGER), outcome` returns for the candidates. */
function groupCounts(rows: Array<{ rating: number; outcome: number }>) {
  const groups = new Map<string, { slot: number; outcome: number; count: number }>();
  for (const row of rows) {
    const slot = Math.trunc(row.rating);
    const key = `${slot}:${row.outcome}`;
    const group = groups.get(key) ?? { slot, outcome: row.outcome, count: 0 };
    group.count++;
    groups.set(key, group);
  }
  return [...groups.values()];
}

describe("threshold preview from grouped counts", () => {
  it("equals the preview from the candidates themselves (property)", () => {
    fc.assert(
      fc.property(candidates, fc.integer({ min: 1, max: 100 }), (rows, width) => {
        const columns = { rating: rows.map((r) => r.rating), outcome: rows.map((r) => r.outcome) };
        const direct = thresholdPreview(columns, { from: 0, to: 100, bandWidth: width });
        const grouped = thresholdPreviewFromHistogram(ratingHistogramFromCounts(groupCounts(rows)), {
          from: 0,
          to: 100,
          bandWidth: width,
        });
        expect(grouped).toEqual(direct);
      }),
    );
  });

  it("counts groups outside 0–100 or with an unknown outcome as ignored, and refuses bad counts", () => {
    const histogram = ratingHistogramFromCounts([
      { slot: 80, outcome: 1, count: 3 },
      { slot: -1, outcome: 0, count: 2 },
      { slot: 101, outcome: 1, count: 1 },
      { slot: 50, outcome: 7, count: 4 },
    ]);
    expect(histogram.counted).toBe(3);
    expect(histogram.ignored).toBe(7);
    expect(() => ratingHistogramFromCounts([{ slot: 1, outcome: 1, count: -1 }])).toThrow(RangeError);
    expect(() => ratingHistogramFromCounts([{ slot: 1, outcome: 1, count: 1.5 }])).toThrow(RangeError);
  });
});

describe("calibration report from rating slots", () => {
  it("equals the report from the candidates themselves, up to summation order (property)", () => {
    fc.assert(
      fc.property(candidates, fc.integer({ min: 1, max: 100 }), (rows, width) => {
        const direct = candidateCalibrationReport(
          { rating: rows.map((r) => r.rating), outcome: rows.map((r) => r.outcome) },
          { bandWidth: width },
        );
        const slots = new Map<
          number,
          {
            slot: number;
            accepted: number;
            declined: number;
            unknown: number;
            ratingSum: number;
            squaredErrorSum: number;
          }
        >();
        for (const row of rows) {
          const slot = Math.trunc(row.rating);
          const entry = slots.get(slot) ?? {
            slot,
            accepted: 0,
            declined: 0,
            unknown: 0,
            ratingSum: 0,
            squaredErrorSum: 0,
          };
          if (row.outcome === 0) entry.unknown++;
          else {
            const y = row.outcome === 1 ? 1 : 0;
            if (y) entry.accepted++;
            else entry.declined++;
            entry.ratingSum += row.rating;
            entry.squaredErrorSum += (row.rating / 100 - y) ** 2;
          }
          slots.set(slot, entry);
        }
        const grouped = calibrationReportFromSlots(slots.values(), { bandWidth: width });
        expect(grouped.resolved).toBe(direct.resolved);
        expect(grouped.unknown).toBe(direct.unknown);
        expect(grouped.bands.map((b) => [b.from, b.to, b.accepted, b.declined])).toEqual(
          direct.bands.map((b) => [b.from, b.to, b.accepted, b.declined]),
        );
        for (const key of [
          "expected_calibration_error",
          "maximum_calibration_error",
          "brier_score",
          "mean_predicted_rate",
        ] as const) {
          if (direct[key] === null) expect(grouped[key]).toBeNull();
          else expect(grouped[key]).toBeCloseTo(direct[key]!, 9);
        }
      }),
    );
  });

  it("adds the caller's ignored count and the slots outside 0–100, and refuses bad counts", () => {
    const report = calibrationReportFromSlots(
      [
        { slot: 85, accepted: 1, declined: 1, unknown: 0, ratingSum: 170, squaredErrorSum: 0.15 ** 2 + 0.85 ** 2 },
        { slot: 120, accepted: 2, declined: 0, unknown: 1, ratingSum: 240, squaredErrorSum: 0 },
      ],
      { ignored: 4 },
    );
    expect(report.resolved).toBe(2);
    expect(report.ignored).toBe(7);
    expect(report.brier_score).toBeCloseTo((0.15 ** 2 + 0.85 ** 2) / 2, 12);
    expect(() =>
      calibrationReportFromSlots([
        { slot: 1, accepted: -1, declined: 0, unknown: 0, ratingSum: 0, squaredErrorSum: 0 },
      ]),
    ).toThrow(RangeError);
  });
});

describe("experiment helpers", () => {
  const cards = { serviceId: "svc_card", category: "cards", companyId: "co_bank" };
  const running = (id: string, scope: Pick<ExperimentDefinition, "scopeType" | "scopeId">, share = 0.5) => ({
    id,
    ...scope,
    holdoutShare: share,
    startsAt: 1_000,
    endsAt: 2_000,
  });

  it("experimentAssignment: the holding experiment for control, else the first in-scope one for treatment", () => {
    const byCategory = running("exp_a", { scopeType: "category", scopeId: "cards" });
    const byCompany = running("exp_b", { scopeType: "company", scopeId: "co_bank" });
    const elsewhere = running("exp_c", { scopeType: "service", scopeId: "svc_loan" });
    let seenControl = false;
    let seenTreatment = false;
    for (let i = 0; i < 200; i++) {
      const client = `cl_${i}`;
      const assignment = experimentAssignment([elsewhere, byCategory, byCompany], cards, client, 1_500);
      const holding = holdingExperiment([elsewhere, byCategory, byCompany], cards, client, 1_500);
      expect(assignment).not.toBeNull();
      if (holding) {
        seenControl = true;
        expect(assignment).toEqual({ experiment: holding, arm: "control" });
      } else {
        seenTreatment = true;
        expect(assignment).toEqual({ experiment: byCategory, arm: "treatment" });
        expect(assignArm("exp_a", client, 0.5)).toBe("treatment");
      }
    }
    expect(seenControl && seenTreatment).toBe(true);
    expect(experimentAssignment([byCategory], cards, "cl_1", 2_000)).toBeNull();
    expect(experimentAssignment([elsewhere], cards, "cl_1", 1_500)).toBeNull();
  });

  it("experimentStatus, periodsOverlap and scopesOverlap", () => {
    const window = { startsAt: 1_000, endsAt: 2_000 };
    expect([999, 1_000, 1_999, 2_000].map((at) => experimentStatus(window, at))).toEqual([
      "scheduled",
      "running",
      "running",
      "ended",
    ]);
    expect(periodsOverlap(window, { startsAt: 1_999, endsAt: 3_000 })).toBe(true);
    expect(periodsOverlap(window, { startsAt: 2_000, endsAt: 3_000 })).toBe(false);

    const catalog = [
      { id: "svc_card", category: "cards", companyId: "co_bank" },
      { id: "svc_policy", category: "insurance", companyId: "co_insurer" },
    ];
    const scope = (scopeType: ExperimentDefinition["scopeType"], scopeId = "") => ({ scopeType, scopeId });
    expect(scopesOverlap(scope("all"), scope("service", "svc_policy"), catalog)).toBe(true);
    expect(scopesOverlap(scope("company", "co_bank"), scope("category", "cards"), catalog)).toBe(true);
    expect(scopesOverlap(scope("company", "co_bank"), scope("category", "insurance"), catalog)).toBe(false);
    expect(scopesOverlap(scope("service", "svc_card"), scope("company", "co_bank"), catalog)).toBe(true);
    expect(scopesOverlap(scope("service", "svc_card"), scope("service", "svc_policy"), catalog)).toBe(false);
    // Equal scopes overlap even before any service exists in them.
    expect(scopesOverlap(scope("category", "travel"), scope("category", "travel"), catalog)).toBe(true);
  });
});
