import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type BlendWeights,
  calibrationReport,
  DEFAULT_BLEND,
  type DealSample,
  fitBlend,
  MIN_DEALS_FOR_FIT,
  PART_NAMES,
  type PartScores,
  Rng,
  ratingOf,
} from "../../../src/domain/recommender";

/** Deals whose acceptance truly rises with the item and group parts and ignores the segment. */
function syntheticDeals(count: number, seed: number): DealSample[] {
  const rng = new Rng(seed);
  const deals: DealSample[] = [];
  for (let i = 0; i < count; i++) {
    const parts: PartScores = {
      item: rng.next() * 4,
      group: 0.02 + rng.next() * 0.5,
      link: rng.next() < 0.2 ? 0.8 : 0,
      segment: 0.05 + rng.next() * 0.3,
      popularity: 0.05 + rng.next() * 0.2,
      activity: rng.int(6),
    };
    const z = -3 + 0.6 * parts.item + 4 * (parts.group - 0.25) + 1.5 * parts.link;
    deals.push({ parts, accepted: rng.next() < 1 / (1 + Math.exp(-z)) });
  }
  return deals;
}

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const logit = (p: number) => Math.log(p / (1 - p));
/** Rates drawn on the logit scale inside ±6, so a shift of up to 2 never reaches the clamp at 1e-4. */
const rateArb = fc.double({ min: -6, max: 6, noNaN: true }).map(sigmoid);
const partsArb = fc.record({
  item: fc.double({ min: -50, max: 50, noNaN: true }),
  group: rateArb,
  link: fc.double({ min: 0, max: 1, noNaN: true }),
  segment: rateArb,
  popularity: rateArb,
  activity: fc.integer({ min: 0, max: 40 }),
});

/** The rate whose logit is `shift` higher. */
const raise = (rate: number, shift: number) => sigmoid(logit(rate) + shift);

describe("blend fit and calibration", () => {
  it("uses the documented defaults until enough deals of both outcomes exist", () => {
    const few = syntheticDeals(MIN_DEALS_FOR_FIT - 1, 1);
    const fit = fitBlend(few);
    expect(fit.source).toBe("default");
    expect(fit.blend).toEqual(DEFAULT_BLEND);
    expect(fit.note).toContain(`${MIN_DEALS_FOR_FIT}`);
    expect(fit.report?.samples).toBe(MIN_DEALS_FOR_FIT - 1);
    const oneSided = syntheticDeals(500, 2).map((d) => ({ ...d, accepted: true }));
    expect(fitBlend(oneSided).source).toBe("default");
    expect(fitBlend([]).report).toBeNull();
  });

  it("fits non-negative weights that find the parts that matter, deterministically", () => {
    const deals = syntheticDeals(3000, 3);
    const fit = fitBlend(deals);
    expect(fit.source).toBe("deals");
    for (const name of PART_NAMES) expect(fit.blend[name]).toBeGreaterThanOrEqual(0);
    expect(fit.blend.item).toBeGreaterThan(0.3);
    expect(fit.blend.link).toBeGreaterThan(0.5);
    expect(fit.blend.group + fit.blend.popularity).toBeGreaterThan(0);
    expect(fitBlend(deals).blend).toEqual(fit.blend);
    // Out-of-fold calibration: predicted buckets track the observed acceptance.
    const report = fit.report;
    expect(report?.crossValidated).toBe(true);
    expect(report?.buckets.reduce((sum, b) => sum + b.count, 0)).toBe(3000);
    expect(report?.auc ?? 0).toBeGreaterThan(0.65);
    for (const bucket of report?.buckets ?? []) {
      if (bucket.count >= 150 && bucket.observedRate !== null) {
        expect(Math.abs(bucket.observedRate - bucket.meanRating)).toBeLessThan(10);
      }
    }
  });

  it("is monotone: more evidence in any feature never lowers the rating (property)", () => {
    const fitted = fitBlend(syntheticDeals(1000, 4)).blend;
    const blends: BlendWeights[] = [DEFAULT_BLEND, fitted];
    fc.assert(
      fc.property(
        partsArb,
        fc.constantFrom(...PART_NAMES),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.constantFrom(0, 1),
        (parts, name, step, which) => {
          const blend = blends[which];
          const more = { ...parts };
          if (name === "item") more.item += 10 * step;
          else if (name === "link") more.link = Math.min(1, parts.link + step);
          else if (name === "activity") more.activity += 1;
          else if (name === "group" || name === "segment") more[name] = raise(parts[name], 2 * step);
          else {
            // Group and segment enter as lifts over popularity: a more popular service with the
            // same lifts (every rate shifted alike on the logit scale) must not rate lower.
            more.popularity = raise(parts.popularity, 2 * step);
            more.group = raise(parts.group, 2 * step);
            more.segment = raise(parts.segment, 2 * step);
          }
          expect(ratingOf(blend, more)).toBeGreaterThanOrEqual(ratingOf(blend, parts) - 1e-9);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("reports predicted buckets against observed acceptance", () => {
    const report = calibrationReport([5, 15, 15, 95, 99], [false, true, false, true, true], false);
    expect(report.samples).toBe(5);
    expect(report.accepted).toBe(3);
    expect(report.buckets[0]).toEqual({ from: 0, to: 10, count: 1, meanRating: 5, observedRate: 0 });
    expect(report.buckets[1]).toEqual({ from: 10, to: 20, count: 2, meanRating: 15, observedRate: 50 });
    expect(report.buckets[9]).toEqual({ from: 90, to: 100, count: 2, meanRating: 97, observedRate: 100 });
    expect(report.buckets[5].observedRate).toBeNull();
    // Positives 15, 95, 99 against negatives 5, 15: 5 pairs ordered right, 1 tie.
    expect(report.auc).toBeCloseTo(5.5 / 6, 12);
    expect(report.brierScore).toBeCloseTo((0.05 ** 2 + 0.85 ** 2 + 0.15 ** 2 + 0.05 ** 2 + 0.01 ** 2) / 5, 12);
    // ECE: (1·|5 − 0| + 2·|15 − 50| + 2·|97 − 100|) / 5 rating points.
    expect(report.ece).toBeCloseTo((5 + 70 + 6) / 5, 12);
  });

  it("has an ECE of 0 when every bucket's ratings match its acceptance, and 0 without samples", () => {
    // Ten offers rated 30 with three accepted, and four rated 75 with three accepted.
    const ratings = [...Array(10).fill(30), ...Array(4).fill(75)];
    const accepted = [...Array(10).keys()].map((i) => i < 3).concat([true, true, true, false]);
    expect(calibrationReport(ratings, accepted, false).ece).toBeCloseTo(0, 12);
    expect(calibrationReport([], [], false).ece).toBe(0);
    // All rated 90, half accepted: 40 points off.
    expect(calibrationReport([90, 90], [true, false], false).ece).toBeCloseTo(40, 12);
  });

  it("rejects deals with non-finite parts", () => {
    const deals = syntheticDeals(300, 5);
    deals[7] = { ...deals[7], parts: { ...deals[7].parts, item: Number.NaN } };
    expect(() => fitBlend(deals)).toThrow(/deal 7/);
  });
});
