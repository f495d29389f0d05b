import { generateBankDataset } from "../src/domain/demo";
import { datasetClient, featureSpaceFromDataset, rebuildStatistics, scoreClient, trainFromStatistics } from "../src/domain/recommender";
const services = Number(process.argv[2] ?? 500);
const bank = generateBankDataset({ preset: "demo", clients: 20000, services, seed: 7 });
const space = featureSpaceFromDataset(bank.dataset, { profileShare: 0.5 });
const rebuild = rebuildStatistics(bank.dataset, space, { seed: 7 });
const model = trainFromStatistics(rebuild.stats, bank.catalog.services, [], { version: "x", trainedAt: 0 });
const rows = Array.from({ length: 200 }, (_, i) => datasetClient(bank.dataset, (i * 7919) % 20000));
let nnz = 0, rev = 0; for (const r of rows) { nnz += r.interactions.services.length; for (const j of r.interactions.services) rev += model.reverseNeighbourPtr[j+1]-model.reverseNeighbourPtr[j]; }
console.log("avg nnz", nnz / rows.length, "avg reverse entries", rev / rows.length, "groups", model.nGroups, "P", model.profileDims);
const t0 = performance.now(); for (let i = 0; i < Number(process.argv[3] ?? 200000); i++) scoreClient(model, rows[i % 200], { now: 0, limit: 10, reasons: false });
console.log(((performance.now() - t0) / 200000 * 1000).toFixed(2), "µs");
