import { generateBankDataset } from "../src/domain/demo";
import { datasetClient, featureSpaceFromDataset, rebuildStatistics, scoreClient, trainFromStatistics } from "../src/domain/recommender";
const services = Number(process.argv[2] ?? 500);
const bank = generateBankDataset({ preset: "demo", clients: 20000, services, seed: 7 });
const space = featureSpaceFromDataset(bank.dataset, { profileShare: 0.5 });
const rows = Array.from({ length: 200 }, (_, i) => datasetClient(bank.dataset, (i * 7919) % 20000));
for (const G of [0, 8, 64]) {
  const rebuild = rebuildStatistics(bank.dataset, space, { seed: 7, groups: G, maxPasses: 3 });
  const model = trainFromStatistics(rebuild.stats, bank.catalog.services, [], { version: "x", trainedAt: 0 });
  for (let rep = 0; rep < 3; rep++) {
    const t0 = performance.now(); for (let i = 0; i < 100000; i++) scoreClient(model, rows[i % 200], { now: 0, limit: 10, reasons: false });
    console.log("n", services, "G", G, ((performance.now() - t0) / 100000 * 1000).toFixed(2), "µs");
  }
}
