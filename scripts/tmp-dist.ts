import {
  datasetClient,
  defaultGroupCount,
  featureSpaceFromDataset,
  fitBlend,
  rebuildStatistics,
  scoreClient,
  trainFromStatistics,
} from "../src/domain/recommender";
import { generateBankDataset } from "./datagen/demo";
import { generateDemoHistory } from "./datagen/demo/history";

const now = Date.now();
const data = generateBankDataset({ preset: "demo", clients: 3000, seed: 42, now });
const { dataset, catalog } = data;
const space = featureSpaceFromDataset(dataset);
const { stats } = rebuildStatistics(dataset, space, { groups: defaultGroupCount(dataset.clients.count), seed: 1 });
for (const T of [15, 20]) {
  const h = generateDemoHistory({ data, threshold: T, now, seed: 42, isControl: () => false });
  const byLead = new Map(h.candidates.filter((c) => c.lead !== null).map((c) => [c.lead!, c]));
  const samples = h.deals
    .filter((d) => d.lead !== null)
    .map((d) => ({ accepted: d.outcome === "accepted", parts: byLead.get(d.lead!)!.parts }));
  const model = trainFromStatistics(
    stats,
    catalog.services.map((s) => ({ code: s.code, name: s.name, category: s.category })),
    catalog.links.map((l) => ({ from: l.from, to: l.to, weight: l.weight })),
    { version: "x", trainedAt: now },
    samples,
  );
  const tops: number[] = [];
  const all: number[] = [];
  for (let c = 0; c < 3000; c += 3) {
    const r = scoreClient(model, datasetClient(dataset, c), { now, limit: 5, reasons: false });
    tops.push(r[0]?.rating ?? 0);
    for (const x of r) all.push(x.rating);
  }
  tops.sort((a, b) => a - b);
  all.sort((a, b) => a - b);
  console.log(
    "T",
    T,
    model.calibration?.source,
    "top q50/80/90",
    [0.5, 0.8, 0.9].map((q) => tops[Math.floor(q * tops.length)].toFixed(1)).join(" "),
    "all q50/90/99",
    [0.5, 0.9, 0.99].map((q) => all[Math.floor(q * all.length)].toFixed(1)).join(" "),
  );
}
