/**
 * A client whose income is unknown (a bot client: the survey asks nothing financial) is NaN to the
 * recommender — the missing value — and must not be read as the lowest income band: its vector has
 * no income block, it is in no segment and no income band of its group, and scoring works.
 */
import { describe, expect, it } from "vitest";
import { GENDER_FEMALE } from "../../../src/domain/dataset";
import { incomeBand } from "../../../src/domain/lead-document";
import {
  encodeClientVector,
  featureLayout,
  profileFromFields,
  scoreClient,
  segmentOf,
} from "../../../src/domain/recommender";
import { statisticsDelta } from "../../../src/domain/recommender/training-statistics";
import { clientOf, plantedModel } from "./fixtures";

const { model, space } = plantedModel();
const NOW = Date.UTC(2026, 11, 1);
const unknown = { age: 29, income: Number.NaN, region: 0, gender: GENDER_FEMALE, needs: [0] };
const lowest = { ...unknown, income: 0 };

describe("unknown income", () => {
  it("maps a stored null to NaN, never to 0", () => {
    const profile = profileFromFields(space, { age: 29, monthlyIncome: null, region: "msk", needs: ["housing"] });
    expect(Number.isNaN(profile.monthlyIncome)).toBe(true);
    expect(segmentOf(space, 29, Number.NaN)).toBe(-1);
    expect(segmentOf(space, 29, 0)).toBeGreaterThanOrEqual(0);
    expect(incomeBand(null)).toBe("unspecified");
    expect(incomeBand(0)).toBe("0-30k");
  });

  it("leaves the income block of the vector empty instead of filling the lowest band", () => {
    const layout = featureLayout(space);
    const income = (v: Float64Array | Float32Array) =>
      Array.from(v.slice(layout.incomeOffset, layout.incomeOffset + layout.incomeBands));
    const vUnknown = encodeClientVector(space, clientOf(unknown, []));
    const vLowest = encodeClientVector(space, clientOf(lowest, []));
    expect(income(vUnknown).every((x) => x === 0)).toBe(true);
    expect(income(vLowest)[0]).toBeGreaterThan(0);
    // Still a unit vector made of the known blocks.
    expect(Math.hypot(...Array.from(vUnknown))).toBeCloseTo(1, 6);
  });

  it("scores the client with the segment part at the overall popularity and no segment reason", () => {
    const ranked = scoreClient(model, clientOf(unknown, []), { now: NOW, limit: 5 });
    expect(ranked.length).toBeGreaterThan(0);
    for (const r of ranked) {
      expect(Number.isFinite(r.rating)).toBe(true);
      expect(r.parts.segment).toBeCloseTo(r.parts.popularity, 6);
      expect(r.reasons.some((reason) => reason.kind === "segment_popularity")).toBe(false);
      for (const reason of r.reasons) expect(reason.text).not.toContain("undefined");
    }
    const asLowest = scoreClient(model, clientOf(lowest, []), { now: NOW, limit: 5 });
    expect(asLowest.map((r) => r.rating)).not.toEqual(ranked.map((r) => r.rating));
    expect(() =>
      scoreClient(model, clientOf({ ...unknown, income: Number.POSITIVE_INFINITY }, []), { now: NOW }),
    ).toThrow(RangeError);
  });

  it("counts the client in no segment and no income band, symmetrically when it is added and removed", () => {
    const layout = featureLayout(space);
    const state = { ...clientOf(unknown, [[0, 1, NOW]]), group: 0 };
    const added = statisticsDelta(space, null, state, model.groups.length);
    expect(added.clients).toBe(1);
    expect(added.segmentMembers).toEqual([]);
    expect(added.segmentServices).toEqual([]);
    const incomeSlots = added.groupHistogram.filter(
      ([, slot]) => slot >= layout.histogramIncomeOffset && slot < layout.histogramIncomeOffset + layout.incomeBands,
    );
    expect(incomeSlots).toEqual([]);
    expect(added.services).toEqual([[0, 1, 0]]);
    const removed = statisticsDelta(space, state, null, model.groups.length);
    expect(removed.groupHistogram.map(([g, s, d]) => [g, s, -d])).toEqual(added.groupHistogram);
    // The same client with income 0 would have counted in the lowest band.
    const asLowest = statisticsDelta(
      space,
      null,
      { ...clientOf(lowest, [[0, 1, NOW]]), group: 0 },
      model.groups.length,
    );
    expect(asLowest.segmentMembers).toHaveLength(1);
  });
});
