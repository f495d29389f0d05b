import { describe, expect, it } from "vitest";
import {
  applyAcceptanceMap,
  blendLogit,
  calibrateBlend,
  calibrationReport,
  type DealSample,
  fitAcceptanceMap,
  fitOfferCalibration,
  inverseAcceptanceMap,
  isValidAcceptanceMap,
  type PartScores,
  partFeatures,
  Rng,
  ratingFromLogit,
  ratingOf,
  scoreClient,
  scoreOffers,
  splitOffers,
} from "../../../src/domain/recommender";
import { clientOf, datasetOf, plantedDataset, plantedModel } from "./fixtures";

const BLEND = { intercept: -1, item: 0.5, group: 1, link: 0.8, segment: 0.2, popularity: 1, activity: 0.3 };

function randomParts(rng: Rng): PartScores {
  return {
    item: 3 * rng.next(),
    group: 0.02 + 0.9 * rng.next(),
    link: rng.next() < 0.3 ? rng.next() : 0,
    segment: 0.02 + 0.9 * rng.next(),
    popularity: 0.02 + 0.5 * rng.next(),
    activity: Math.floor(6 * rng.next()),
  };
}

/** Offers whose true acceptance is σ(slope·z + offset) of the blend logit z. */
function offersFrom(slope: number, offset: number, count: number, seed: number): DealSample[] {
  const rng = new Rng(seed, 1);
  return Array.from({ length: count }, () => {
    const parts = randomParts(rng);
    const z = blendLogit(BLEND, partFeatures(parts));
    return { parts, accepted: rng.next() < 1 / (1 + Math.exp(-(slope * z + offset))) };
  });
}

describe("acceptance calibration on offers", () => {
  it("recovers the slope and offset that generated the outcomes, and then rates them within 3 points", () => {
    const fit = offersFrom(0.6, 0.9, 20_000, 3);
    const calibration = fitOfferCalibration(BLEND, fit);
    expect(calibration.slope).toBeCloseTo(0.6, 1);
    expect(calibration.offset).toBeCloseTo(0.9, 1);
    expect(calibration.samples).toBe(20_000);
    const test = offersFrom(0.6, 0.9, 20_000, 4);
    const calibrated = calibrateBlend(BLEND, calibration);
    const after = calibrationReport(
      test.map((d) => ratingOf(calibrated, d.parts)),
      test.map((d) => d.accepted),
      false,
    );
    const before = calibrationReport(
      test.map((d) => ratingOf(BLEND, d.parts)),
      test.map((d) => d.accepted),
      false,
    );
    expect(after.ece).toBeLessThan(3);
    expect(before.ece).toBeGreaterThan(after.ece);
    // A positive slope keeps the order: the AUC does not move.
    expect(after.auc).toBeCloseTo(before.auc ?? 0, 12);
  });

  it("folds into the blend: the calibrated blend rates σ(slope·z + offset), weights stay >= 0", () => {
    const calibrated = calibrateBlend(BLEND, { slope: 0.5, offset: -0.25 });
    const rng = new Rng(9, 2);
    for (let i = 0; i < 50; i++) {
      const parts = randomParts(rng);
      const z = blendLogit(BLEND, partFeatures(parts));
      expect(ratingOf(calibrated, parts)).toBeCloseTo(100 / (1 + Math.exp(-(0.5 * z - 0.25))), 9);
    }
    for (const name of ["item", "group", "link", "segment", "popularity", "activity"] as const) {
      expect(calibrated[name]).toBeGreaterThanOrEqual(0);
    }
    expect(() => calibrateBlend(BLEND, { slope: 0, offset: 0 })).toThrow(RangeError);
  });

  it("keeps a tiny positive slope when the offers show no relation, and needs both outcomes", () => {
    const rng = new Rng(11, 3);
    const noise = Array.from({ length: 2000 }, (_, i) => ({ parts: randomParts(rng), accepted: i % 4 === 0 }));
    // Reverse the relation: the best-rated offers are the declined ones.
    noise.sort((a, b) => blendLogit(BLEND, partFeatures(a.parts)) - blendLogit(BLEND, partFeatures(b.parts)));
    const reversed = noise.map((deal, i) => ({ ...deal, accepted: i < 500 }));
    const calibration = fitOfferCalibration(BLEND, reversed);
    expect(calibration.slope).toBeGreaterThan(0);
    expect(calibration.slope).toBeLessThan(0.01);
    const mean = reversed.reduce((sum, d) => sum + ratingOf(calibrateBlend(BLEND, calibration), d.parts), 0) / 2000;
    expect(mean).toBeCloseTo(25, 0);
    expect(() => fitOfferCalibration(BLEND, reversed.slice(0, 400))).toThrow(/both/);
  });
});

describe("offer split and offer scoring", () => {
  it("holds out the newest share of each client's offers, both outcomes, and keeps the rest", () => {
    const dataset = datasetOf(5, [
      {
        age: 30,
        income: 50_000,
        region: 0,
        cells: [
          [0, 1, 10],
          [1, -1, 50],
          [2, 1, 20],
          [3, -1, 40],
          [4, 1, 30],
        ],
      },
      { age: 40, income: 60_000, region: 1, cells: [[1, 1, 5]] },
    ]);
    const { train, offers } = splitOffers(dataset, { testShare: 0.4 });
    // Client 0: 2 of 5 held out, the newest: service 1 (t 50, declined) and service 3 (t 40, declined).
    expect(Array.from(offers.ptr)).toEqual([0, 2, 2]);
    expect(Array.from(offers.items).sort()).toEqual([1, 3]);
    expect(Array.from(offers.accepted)).toEqual([0, 0]);
    expect(Array.from(train.interactions.col)).toEqual([0, 2, 4, 1]);
    expect(Array.from(train.interactions.rowPtr)).toEqual([0, 3, 4]);
    expect(() => splitOffers({ ...dataset, interactions: { ...dataset.interactions, time: undefined } })).toThrow(
      /times/,
    );
  });

  it("scores every held-out offer a model can rate, with its outcome, for the selected clients", () => {
    const dataset = plantedDataset();
    const { train, offers } = splitOffers(dataset);
    const { model } = plantedModel();
    const all = scoreOffers(model, train, offers, 1e13);
    expect(all.length).toBe(offers.items.length);
    expect(all.filter((d) => d.accepted).length).toBe(offers.accepted.reduce((sum, v) => sum + v, 0));
    const even = scoreOffers(model, train, offers, 1e13, (row) => row % 2 === 0);
    let expected = 0;
    for (let row = 0; row < dataset.clients.count; row += 2) expected += offers.ptr[row + 1] - offers.ptr[row];
    expect(even.length).toBe(expected);
  });
});

describe("acceptance map (isotonic)", () => {
  it("is non-decreasing, follows a bent reliability curve, and inverts for minimum ratings", () => {
    // True acceptance bends: flat 10% below z = 0, then rising steeply to 90%.
    const rng = new Rng(21, 4);
    const z: number[] = [];
    const accepted: boolean[] = [];
    for (let i = 0; i < 20_000; i++) {
      const value = 8 * rng.next() - 4;
      z.push(value);
      accepted.push(rng.next() < (value < 0 ? 0.1 : 0.1 + 0.2 * value));
    }
    const map = fitAcceptanceMap(z, accepted, 200);
    expect(isValidAcceptanceMap(map)).toBe(true);
    expect(map.z.length).toBeGreaterThan(3);
    const rating = (value: number) => ratingFromLogit(applyAcceptanceMap(map, value));
    expect(rating(-3)).toBeCloseTo(10, -0.5);
    expect(rating(1)).toBeCloseTo(30, -0.5);
    expect(rating(3.5)).toBeCloseTo(80, -1);
    for (let value = -5; value < 5; value += 0.25) {
      expect(applyAcceptanceMap(map, value + 0.25)).toBeGreaterThanOrEqual(applyAcceptanceMap(map, value));
    }
    const target = Math.log(0.5 / 0.5);
    const threshold = inverseAcceptanceMap(map, target);
    expect(applyAcceptanceMap(map, threshold + 1e-9)).toBeGreaterThanOrEqual(target - 1e-9);
    expect(applyAcceptanceMap(map, threshold - 0.05)).toBeLessThan(target);
    expect(inverseAcceptanceMap(map, -50)).toBe(Number.NEGATIVE_INFINITY);
    expect(inverseAcceptanceMap(map, 50)).toBe(Number.POSITIVE_INFINITY);
    expect(isValidAcceptanceMap({ z: [1, 0], logit: [0, 1] })).toBe(false);
    expect(() => fitAcceptanceMap([], [])).toThrow(RangeError);
  });

  it("rates through the model's map, keeps the order, and filters minRating on the mapped rating", () => {
    const { model } = plantedModel();
    const map = { z: [-6, -2, 0, 3], logit: [-3, -1, 0.2, 2] };
    const mapped = { ...model, calibration: { ...model.calibration, acceptanceMap: map } };
    const client = clientOf({ age: 30, income: 90_000, region: 0 }, [[0, 1, 0]]);
    const plain = scoreClient(model, client, { now: 1e13, limit: 8, reasons: false });
    const rated = scoreClient(mapped, client, { now: 1e13, limit: 8, reasons: false });
    expect(rated.map((r) => r.service)).toEqual(plain.map((r) => r.service));
    for (let i = 0; i < rated.length; i++) {
      const z = Math.log(plain[i].rating / (100 - plain[i].rating));
      expect(rated[i].rating).toBeCloseTo(ratingFromLogit(applyAcceptanceMap(map, z)), 6);
    }
    const threshold = rated[Math.floor(rated.length / 2)].rating;
    const kept = scoreClient(mapped, client, { now: 1e13, limit: 8, reasons: false, minRating: threshold });
    expect(kept.length).toBeGreaterThan(0);
    for (const r of kept) expect(r.rating).toBeGreaterThanOrEqual(threshold);
    expect(kept.length).toBe(rated.filter((r) => r.rating >= threshold).length);
  });
});
