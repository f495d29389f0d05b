import { describe, expect, it } from "vitest";
import { generateMl100kShape } from "../../../scripts/datagen/ml100k-shape";
import {
  applyStatisticsDelta,
  createStatistics,
  datasetClient,
  defaultGroupCount,
  fitBlend,
  rebuildStatistics,
  SphericalKMeans,
  simulateOfferDeals,
  splitDataset,
  statisticsDelta,
  trainFromStatistics,
} from "../../../src/domain/recommender";
import { catalogOf, PLANTED_LINKS, plantedDataset, plantedModel, plantedSpace, SERVICE_NAMES } from "./fixtures";

describe("reference groups (chunked spherical k-means)", () => {
  it("recover the planted kinds of clients, whatever the chunk size", () => {
    const dataset = plantedDataset();
    const space = plantedSpace(dataset);
    const whole = rebuildStatistics(dataset, space, { groups: 2, seed: 5, chunkSize: 1000 });
    const chunked = rebuildStatistics(dataset, space, { groups: 2, seed: 5, chunkSize: 7 });
    const first = whole.clientGroups[0];
    for (let row = 0; row < 40; row++) expect(whole.clientGroups[row]).toBe(first);
    for (let row = 40; row < 80; row++) expect(whole.clientGroups[row]).toBe(1 - first);
    expect(Array.from(chunked.clientGroups)).toEqual(Array.from(whole.clientGroups));
    expect(whole.meanSimilarity).toBeGreaterThan(0.5);
    expect(Array.from(whole.stats.groupMembers).sort()).toEqual([40, 40]);
  });

  it("seed at most as many groups as there are distinct clients", () => {
    const dataset = plantedDataset(1);
    const kmeans = new SphericalKMeans(plantedSpace(dataset), { groups: 5, seed: 1 });
    kmeans.observe(dataset);
    expect(kmeans.initialise()).toBe(2);
    expect(() => new SphericalKMeans(plantedSpace(dataset), { groups: 0 })).toThrow(RangeError);
  });

  it("scale the default group count with the client base", () => {
    expect(defaultGroupCount(100)).toBe(8);
    expect(defaultGroupCount(3000)).toBe(39);
    expect(defaultGroupCount(5_000_000)).toBe(64);
  });
});

describe("trainFromStatistics", () => {
  it("gives the same model from client-by-client deltas as from the full rebuild", () => {
    const { dataset, space, rebuild, model } = plantedModel();
    const incremental = createStatistics(space, 2);
    for (let row = 0; row < dataset.clients.count; row++) {
      const state = { ...datasetClient(dataset, row), group: rebuild.clientGroups[row] };
      applyStatisticsDelta(incremental, statisticsDelta(space, null, state, 2));
    }
    const again = trainFromStatistics(incremental, catalogOf(SERVICE_NAMES), PLANTED_LINKS, {
      version: "test-1",
      trainedAt: 1_700_000_000_000,
      neighbours: 3,
    });
    for (const key of [
      "neighbourIndex",
      "reverseNeighbourIndex",
      "groupMembers",
      "segmentMembers",
      "linkTarget",
    ] as const) {
      expect(Array.from(again[key]), key).toEqual(Array.from(model[key]));
    }
    for (const key of ["neighbourSimilarity", "groupLogit", "segmentLogit", "popularityLogit", "centroids"] as const) {
      for (let i = 0; i < model[key].length; i++) {
        expect(Math.abs(again[key][i] - model[key][i]), key).toBeLessThan(1e-6);
      }
    }
    expect(again.groups).toEqual(model.groups);
    expect(model.clientCount).toBe(80);
    expect(model.catalog.map((c) => c.name)).toEqual(SERVICE_NAMES);
  });

  it("rejects a catalogue of the wrong size and bad business links", () => {
    const { rebuild } = plantedModel();
    const options = { version: "v", trainedAt: 0 };
    expect(() => trainFromStatistics(rebuild.stats, catalogOf(["only one"]), [], options)).toThrow(/catalog/);
    const catalog = catalogOf(SERVICE_NAMES);
    expect(() => trainFromStatistics(rebuild.stats, catalog, [{ from: 0, to: 99, weight: 0.5 }], options)).toThrow(
      /outside/,
    );
    expect(() => trainFromStatistics(rebuild.stats, catalog, [{ from: 0, to: 1, weight: 0 }], options)).toThrow(
      /weight/,
    );
    expect(() =>
      trainFromStatistics(rebuild.stats, catalog, [...PLANTED_LINKS, { from: 0, to: 1, weight: 0.2 }], options),
    ).toThrow(/twice/);
    expect(() => trainFromStatistics(rebuild.stats, catalog, [], { ...options, neighbours: 0 })).toThrow(/neighbours/);
  });

  it("describes each group by who its members mostly are", () => {
    const { model } = plantedModel();
    const labels = model.groups.map((g) => g.label).sort();
    expect(labels).toEqual([
      "age 25–34, income 80–150k, msk, mostly women, need: housing",
      "age 45–54, income 150–300k, kazan, mostly men, need: car",
    ]);
  });

  it("fits the blend on simulated offers from held-out history", () => {
    const dataset = plantedDataset(150);
    const space = plantedSpace(dataset);
    const { train, test } = splitDataset(dataset, "random", { seed: 2, testShare: 0.5 });
    const rebuild = rebuildStatistics(train, space, { groups: 2, seed: 2 });
    const options = { version: "v", trainedAt: 0, neighbours: 3 };
    const model = trainFromStatistics(rebuild.stats, catalogOf(SERVICE_NAMES), PLANTED_LINKS, options);
    const deals = simulateOfferDeals(model, train, test, { now: 1e13, offersPerClient: 3 });
    expect(deals.length).toBeGreaterThan(200);
    expect(deals.filter((d) => d.accepted).length).toBeGreaterThan(20);
    const fitted = trainFromStatistics(rebuild.stats, catalogOf(SERVICE_NAMES), PLANTED_LINKS, options, deals);
    expect(fitted.calibration.source).toBe("deals");
    expect(fitted.calibration.samples).toBe(deals.length);
    expect(fitted.blend).toEqual(fitBlend(deals).blend);
  });
});

describe("MovieLens-100K-shaped data", () => {
  it("has the shape of ML-100K: 943 × 1,682, 100,000 ratings, at least 20 per user, long tail", () => {
    const data = generateMl100kShape({ seed: 42 });
    const r = data.interactions;
    expect(data.clients.count).toBe(943);
    expect(data.nServices).toBe(1682);
    expect(r.col.length).toBe(100_000);
    const degree = new Int32Array(1682);
    for (let u = 0; u < 943; u++) {
      expect(r.rowPtr[u + 1] - r.rowPtr[u]).toBeGreaterThanOrEqual(20);
      for (let i = r.rowPtr[u] + 1; i < r.rowPtr[u + 1]; i++) expect(r.col[i]).toBeGreaterThan(r.col[i - 1]);
    }
    for (const c of r.col) degree[c]++;
    const sorted = Array.from(degree).sort((a, b) => b - a);
    expect(sorted[0]).toBeGreaterThan(400);
    expect(sorted[841]).toBeLessThan(60);
    expect(Array.from(r.value).every((v) => v === 1)).toBe(true);
    expect(generateMl100kShape({ seed: 42 }).interactions.col).toEqual(r.col);
  });
});
