import { generateBankDataset } from "../src/domain/demo";
import { datasetClient, featureSpaceFromDataset, rebuildStatistics, scoreClient, trainFromStatistics } from "../src/domain/recommender";
const services = Number(process.argv[2] ?? 500);
const bank = generateBankDataset({ preset: "demo", clients: 20000, services, seed: 7 });
const space = featureSpaceFromDataset(bank.dataset, { profileShare: 0.5 });
const rebuild = rebuildStatistics(bank.dataset, space, { seed: 7, maxPasses: 2 });
const model = trainFromStatistics(rebuild.stats, bank.catalog.services, bank.catalog.links.map((l) => ({ from: l.from, to: l.to, weight: l.weight })), { version: "x", trainedAt: 0 });
const rows = Array.from({ length: 200 }, (_, i) => datasetClient(bank.dataset, (i * 7919) % 20000));
const mask = new Uint8Array(services).fill(1);
for (let rep = 0; rep < 6; rep++) {
  const t0 = performance.now(); for (let i = 0; i < 50000; i++) scoreClient(model, rows[i % 200], { now: 0, limit: 10, eligible: mask, reasons: process.argv[3] !== "off" });
  console.log("n", services, ((performance.now() - t0) / 50000 * 1000).toFixed(2), "µs");
}
