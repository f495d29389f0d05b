/** Small hand-made datasets and models for the recommender tests. */
import { type Dataset, GENDER_FEMALE, GENDER_MALE, GENDER_UNKNOWN } from "../../../src/domain/dataset";
import {
  type CatalogEntry,
  createFeatureSpace,
  type FeatureSpace,
  type ItemModel,
  type RecommenderClient,
  rebuildStatistics,
  type ServiceLink,
  trainFromStatistics,
} from "../../../src/domain/recommender";

/** One client of a hand-made dataset. */
export interface ClientRow {
  age: number;
  income: number;
  region: number;
  gender?: number;
  needs?: number[];
  /** [service, value] or [service, value, time]. */
  cells: Array<[number, number] | [number, number, number]>;
}

export const REGIONS = ["msk", "spb", "kazan"];
export const NEEDS = ["housing", "car", "travel", "health"];

/** Builds a columnar dataset from rows (cells sorted by service as the Dataset contract requires). */
export function datasetOf(nServices: number, rows: ClientRow[]): Dataset {
  const count = rows.length;
  const rowPtr = new Int32Array(count + 1);
  const needsPtr = new Int32Array(count + 1);
  const col: number[] = [];
  const value: number[] = [];
  const time: number[] = [];
  const needs: number[] = [];
  rows.forEach((row, i) => {
    const cells = [...row.cells].sort((a, b) => a[0] - b[0]);
    for (const cell of cells) {
      col.push(cell[0]);
      value.push(cell[1]);
      time.push(cell[2] ?? 0);
    }
    rowPtr[i + 1] = col.length;
    needs.push(...(row.needs ?? []));
    needsPtr[i + 1] = needs.length;
  });
  return {
    nServices,
    regions: REGIONS,
    needsVocabulary: NEEDS,
    clients: {
      count,
      age: Float32Array.from(rows, (r) => r.age),
      monthlyIncome: Float32Array.from(rows, (r) => r.income),
      region: Uint16Array.from(rows, (r) => r.region),
      gender: Int8Array.from(rows, (r) => r.gender ?? GENDER_UNKNOWN),
      needsPtr,
      needsIdx: Uint16Array.from(needs),
    },
    interactions: {
      rowPtr,
      col: Int32Array.from(col),
      value: Int8Array.from(value),
      time: Float64Array.from(time),
    },
  };
}

/** A client record from plain values. */
export function clientOf(
  profile: { age: number; income: number; region: number; gender?: number; needs?: number[] },
  cells: Array<[number, number] | [number, number, number]>,
): RecommenderClient {
  return {
    profile: {
      age: profile.age,
      monthlyIncome: profile.income,
      region: profile.region,
      gender: profile.gender ?? GENDER_UNKNOWN,
      needs: profile.needs ?? [],
    },
    interactions: {
      services: cells.map((c) => c[0]),
      values: cells.map((c) => c[1]),
      times: cells.map((c) => c[2] ?? Number.NaN),
    },
  };
}

export function catalogOf(names: string[]): CatalogEntry[] {
  return names.map((name, i) => ({ code: `svc-${i}`, name, category: `cat-${i % 3}` }));
}

export const SERVICE_NAMES = [
  "Mortgage",
  "Property insurance",
  "Credit card",
  "Car loan",
  "Car insurance",
  "Travel insurance",
  "Fitness pass",
  "Deposit",
];

/**
 * Two planted kinds of clients: young movers in Moscow (mortgage, property insurance, credit card)
 * and older drivers in Kazan (car loan, car insurance, deposit); travel insurance and the fitness
 * pass are rarer. Deterministic.
 */
export function plantedDataset(clientsPerKind = 40): Dataset {
  const rows: ClientRow[] = [];
  for (let i = 0; i < clientsPerKind; i++) {
    const cells: Array<[number, number, number]> = [
      [0, 1, 1000 + i],
      [1, i % 4 === 0 ? -1 : 1, 2000 + i],
    ];
    if (i % 2 === 0) cells.push([2, 1, 3000 + i]);
    if (i % 5 === 0) cells.push([5, 1, 4000 + i]);
    if (i % 7 === 0) cells.push([3, -1, 5000 + i]);
    rows.push({ age: 27 + (i % 6), income: 90_000 + 1000 * i, region: 0, gender: GENDER_FEMALE, needs: [0], cells });
  }
  for (let i = 0; i < clientsPerKind; i++) {
    const cells: Array<[number, number, number]> = [
      [3, 1, 1000 + i],
      [4, i % 3 === 0 ? -1 : 1, 2000 + i],
    ];
    if (i % 2 === 1) cells.push([7, 1, 3000 + i]);
    if (i % 6 === 0) cells.push([6, 1, 4000 + i]);
    if (i % 8 === 0) cells.push([0, -1, 5000 + i]);
    rows.push({ age: 48 + (i % 7), income: 160_000 + 500 * i, region: 2, gender: GENDER_MALE, needs: [1], cells });
  }
  return datasetOf(SERVICE_NAMES.length, rows);
}

export const PLANTED_LINKS: ServiceLink[] = [
  { from: 0, to: 1, weight: 0.9 },
  { from: 3, to: 4, weight: 0.8 },
  { from: 2, to: 5, weight: 0.3 },
];

export function plantedSpace(dataset: Dataset, profileShare = 0.5): FeatureSpace {
  return createFeatureSpace({
    nServices: dataset.nServices,
    regions: dataset.regions,
    needsVocabulary: dataset.needsVocabulary,
    profileShare,
  });
}

/** A model trained on the planted dataset (2 groups, k = 3; EASE item part unless told). */
export function plantedModel(options: { groups?: number; neighbours?: number; itemModel?: ItemModel } = {}) {
  const dataset = plantedDataset();
  const space = plantedSpace(dataset);
  const rebuild = rebuildStatistics(dataset, space, { groups: options.groups ?? 2, seed: 3 });
  const model = trainFromStatistics(rebuild.stats, catalogOf(SERVICE_NAMES), PLANTED_LINKS, {
    version: "test-1",
    trainedAt: 1_700_000_000_000,
    neighbours: options.neighbours ?? 3,
    itemModel: options.itemModel,
  });
  return { dataset, space, rebuild, model };
}
