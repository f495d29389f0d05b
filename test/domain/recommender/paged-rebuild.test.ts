/**
 * The pure side of the chunked rebuild: pages as datasets, the sample k-means, page accumulation
 * (together they equal the in-memory `rebuildStatistics`), and the reconciliation rule.
 */
import { describe, expect, it } from "vitest";
import { type Dataset, GENDER_FEMALE, GENDER_MALE } from "../../../src/domain/dataset";
import { rebuildStatistics } from "../../../src/domain/recommender";
import {
  type ClientPage,
  clusterSample,
  missedByItsPage,
  type PageMark,
  pageDataset,
  pageMaxService,
  pageOf,
} from "../../../src/domain/recommender/paged-rebuild";
import { accumulatePage, emptySnapshot } from "../../../src/domain/recommender/statistics-snapshot";
import { datasetOf, plantedDataset, plantedSpace } from "./fixtures";

/** The rows of a dataset as a rebuild page would read them from D1 (ids in row order). */
function pageOfDataset(dataset: Dataset, from = 0, to = dataset.clients.count): ClientPage {
  const { clients, interactions } = dataset;
  const page: ClientPage = { clients: [], cells: [], maxDeltaId: 0 };
  for (let row = from; row < to; row++) {
    const id = `c${String(row).padStart(4, "0")}`;
    const needs = Array.from(clients.needsIdx.subarray(clients.needsPtr[row], clients.needsPtr[row + 1]));
    page.clients.push({
      id,
      age: clients.age[row],
      monthlyIncome: clients.monthlyIncome[row],
      region: dataset.regions[clients.region[row]] ?? "elsewhere",
      gender: clients.gender[row] === GENDER_FEMALE ? "female" : clients.gender[row] === GENDER_MALE ? "male" : null,
      needs: needs.map((index) => dataset.needsVocabulary[index]),
    });
    for (let slot = interactions.rowPtr[row]; slot < interactions.rowPtr[row + 1]; slot++) {
      page.cells.push({ clientId: id, modelIndex: interactions.col[slot], value: interactions.value[slot] });
    }
  }
  return page;
}

describe("pages of clients", () => {
  it("a page reads back as the dataset it came from", () => {
    const dataset = plantedDataset(10);
    const space = plantedSpace(dataset);
    const read = pageDataset(space, pageOfDataset(dataset));
    expect(read.clients).toEqual(dataset.clients);
    expect(Array.from(read.interactions.rowPtr)).toEqual(Array.from(dataset.interactions.rowPtr));
    expect(Array.from(read.interactions.col)).toEqual(Array.from(dataset.interactions.col));
    expect(Array.from(read.interactions.value)).toEqual(Array.from(dataset.interactions.value));
  });

  it("maps unknown regions to the other slot, drops unknown and repeated needs, refuses services outside the space", () => {
    const dataset = datasetOf(3, [{ age: 30, income: 50_000, region: 0, cells: [[2, 1]] }]);
    const space = plantedSpace(dataset);
    const page = pageOfDataset(dataset);
    page.clients[0] = { ...page.clients[0], region: "atlantis", needs: ["car", "unknown", "car"] };
    const read = pageDataset(space, page);
    expect(read.clients.region[0]).toBe(0xffff);
    expect(Array.from(read.clients.needsIdx)).toEqual([space.needsVocabulary.indexOf("car")]);
    expect(pageMaxService(page)).toBe(2);
    expect(pageMaxService({ clients: [], cells: [], maxDeltaId: 0 })).toBe(-1);
    page.cells.push({ clientId: page.clients[0].id, modelIndex: 3, value: 1 });
    expect(() => pageDataset(space, page)).toThrow(RangeError);
  });

  it("the sample k-means and pages accumulated one by one equal rebuildStatistics over all clients", () => {
    const dataset = plantedDataset(25);
    const space = plantedSpace(dataset);
    const groups = 4;
    const expected = rebuildStatistics(dataset, space, { groups, seed: 1 });

    const snapshot = emptySnapshot(space, groups, 1);
    const clustering = clusterSample(space, groups, pageDataset(space, pageOfDataset(dataset)));
    expect(clustering.passes).toBe(expected.passes);
    expect(clustering.meanSimilarity).toBe(expected.meanSimilarity);
    snapshot.assignmentCentroids.set(clustering.centroids!);
    for (let start = 0; start < dataset.clients.count; start += 7) {
      const page = pageOfDataset(dataset, start, Math.min(dataset.clients.count, start + 7));
      accumulatePage(snapshot, pageDataset(space, page));
    }
    const actual = snapshot.stats;
    expect(actual.clientCount).toBe(expected.stats.clientCount);
    for (const name of ["pairDot", "servicePositive", "segmentMembers", "groupMembers", "groupPositive"] as const) {
      expect(Array.from(actual[name]), name).toEqual(Array.from(expected.stats[name]));
    }
    actual.groupVectorSum.forEach((value, i) => {
      expect(value).toBeCloseTo(expected.stats.groupVectorSum[i], 9);
    });
  });

  it("clusters nothing without groups or clients", () => {
    const dataset = plantedDataset(2);
    const space = plantedSpace(dataset);
    expect(clusterSample(space, 0, dataset)).toEqual({ centroids: null, sampled: 4, passes: 0, meanSimilarity: 0 });
    const none = pageDataset(space, { clients: [], cells: [], maxDeltaId: 0 });
    expect(clusterSample(space, 3, none).centroids).toBeNull();
  });
});

describe("reconciliation", () => {
  const pages: PageMark[] = [
    [0, "c0010", 5],
    [0, "c0020", 8],
    [0, null, 12],
    [1, "c0005", 3],
    [1, null, 4],
  ];

  it("finds the page a client id of a shard belongs to, each shard's last page being unbounded", () => {
    expect(pageOf(pages, 0, "c0001")).toBe(pages[0]);
    expect(pageOf(pages, 0, "c0010")).toBe(pages[0]);
    expect(pageOf(pages, 0, "c0011")).toBe(pages[1]);
    expect(pageOf(pages, 0, "z")).toBe(pages[2]);
    expect(pageOf(pages, 1, "c0001")).toBe(pages[3]);
    expect(pageOf(pages, 1, "z")).toBe(pages[4]);
    expect(pageOf(pages, 2, "c0001")).toBeNull();
    expect(pageOf([[0, "c0010", 5]], 0, "c0011")).toBeNull();
  });

  it("folds a change only when its client's page was read before it, positions compared within the shard", () => {
    const change = (id: number, clientId: string) => ({ id, clientId, before: null, after: null });
    expect(missedByItsPage(pages, 0, change(5, "c0003"))).toBe(false);
    expect(missedByItsPage(pages, 0, change(6, "c0003"))).toBe(true);
    expect(missedByItsPage(pages, 0, change(8, "c0015"))).toBe(false);
    expect(missedByItsPage(pages, 0, change(13, "zzz"))).toBe(true);
    expect(missedByItsPage(pages, 1, change(4, "c0003"))).toBe(true);
    expect(missedByItsPage(pages, 1, change(4, "zzz"))).toBe(false);
    expect(missedByItsPage([[0, "c0010", 5]], 0, change(9, "c0011"))).toBe(false);
  });
});
