/**
 * Trained recommender models over generated demo banks, built exactly as the platform builds them:
 * full rebuild of the statistics, deals to fit the blend, `trainFromStatistics`. The deals are
 * simulated offers of an inner model trained without a random fifth of each client's positives
 * (`simulateOfferDeals`), as the offline evaluation does before real deals exist.
 */

import { type BankDataset, DEMO_REFERENCE_NOW, generateBankDataset } from "../../scripts/datagen/demo";
import type { Dataset } from "../../src/domain/dataset";
import {
  type CatalogEntry,
  type DealSample,
  type FeatureSpace,
  featureSpaceFromDataset,
  type ModelStatistics,
  type RecommenderModel,
  rebuildStatistics,
  type ServiceLink,
  simulateOfferDeals,
  splitDataset,
  trainFromStatistics,
} from "../../src/domain/recommender";

/** Options of `buildDemoModel`. */
export interface DemoModelOptions {
  /** Catalog size (47 hand-made services; more adds tariff variants). */
  services: number;
  clients: number;
  seed: number;
  /** Simulated offers per client for the blend fit (default 10). */
  offersPerClient?: number;
}

/** A generated bank with its trained model and everything it was trained from. */
export interface DemoModel {
  bank: BankDataset;
  dataset: Dataset;
  space: FeatureSpace;
  catalog: CatalogEntry[];
  links: ServiceLink[];
  stats: ModelStatistics;
  /** Reference group of every client row (as stored with the clients). */
  clientGroups: Int32Array;
  deals: DealSample[];
  model: RecommenderModel;
  /** "now" of the generated history (epoch ms). */
  now: number;
}

/** Catalog entries and business links of a generated bank, in model terms. */
export function catalogOf(bank: BankDataset): { catalog: CatalogEntry[]; links: ServiceLink[] } {
  return {
    catalog: bank.catalog.services.map((s) => ({ code: s.code, name: s.name, category: s.category })),
    links: bank.catalog.links.map((l) => ({ from: l.from, to: l.to, weight: l.weight })),
  };
}

/** Simulated deals for the blend fit (see the module comment). */
export function simulateDeals(
  dataset: Dataset,
  space: FeatureSpace,
  catalog: readonly CatalogEntry[],
  links: readonly ServiceLink[],
  options: { seed: number; now: number; offersPerClient?: number },
): DealSample[] {
  const inner = splitDataset(dataset, "random", { seed: options.seed + 1 });
  const innerStats = rebuildStatistics(inner.train, space, { seed: options.seed }).stats;
  const innerModel = trainFromStatistics(innerStats, catalog, links, { version: "inner", trainedAt: options.now });
  return simulateOfferDeals(innerModel, inner.train, inner.test, {
    now: options.now,
    offersPerClient: options.offersPerClient ?? 10,
  });
}

/** Generates a demo bank and trains its model (deterministic for the options). */
export function buildDemoModel(options: DemoModelOptions): DemoModel {
  const now = DEMO_REFERENCE_NOW;
  const bank = generateBankDataset({
    preset: "demo",
    clients: options.clients,
    seed: options.seed,
    services: options.services,
    now,
  });
  const dataset = bank.dataset;
  const space = featureSpaceFromDataset(dataset);
  const { catalog, links } = catalogOf(bank);
  const deals = simulateDeals(dataset, space, catalog, links, {
    seed: options.seed,
    now,
    offersPerClient: options.offersPerClient,
  });
  const rebuild = rebuildStatistics(dataset, space, { seed: options.seed });
  const model = trainFromStatistics(rebuild.stats, catalog, links, { version: "bench", trainedAt: now }, deals);
  return {
    bank,
    dataset,
    space,
    catalog,
    links,
    stats: rebuild.stats,
    clientGroups: rebuild.clientGroups,
    deals,
    model,
    now,
  };
}
