import { generateMl100kShape } from "../src/domain/ml100k-shape";
import { DEFAULT_BLEND, datasetClient, MetricsAccumulator, scoreClient, splitDataset } from "../src/domain/recommender";
import { trainHybrid } from "./eval/pipeline";

const [pw, tw] = process.argv.slice(2).map(Number);
const d = generateMl100kShape({ seed: 42, popularityWeight: pw, tasteWeight: tw });
const catalog = Array.from({ length: d.nServices }, (_, i) => ({ code: String(i), name: String(i), category: "x" }));
const opts = {
  seed: 42,
  split: "random" as const,
  neighbours: 100,
  shrink: 0,
  nearestGroups: 3,
  smoothing: 10,
  userNeighbours: 50,
  offersPerClient: 50,
};
const { train, test } = splitDataset(d, "random", { seed: 42 });
const h = trainHybrid(train, catalog, [], opts);
console.log("fitted", h.model.blend);
const Z = { intercept: 0, item: 0, group: 0, link: 0, segment: 0, popularity: 0 };
const blends: Record<string, any> = {
  fitted: h.model.blend,
  default: DEFAULT_BLEND,
  item: { ...Z, item: 1 },
  "item+0.1pop": { ...Z, item: 1, popularity: 0.1 },
  "item+0.3pop": { ...Z, item: 1, popularity: 0.3 },
  "item+0.3grp": { ...Z, item: 1, group: 0.3, popularity: 0.3 },
  "item+0.5grp": { ...Z, item: 1, group: 0.5 },
  "item+1grp": { ...Z, item: 1, group: 1 },
};
for (const [name, blend] of Object.entries(blends)) {
  const m = new MetricsAccumulator(10, d.nServices);
  const rel = new Uint8Array(d.nServices);
  for (let row = 0; row < train.clients.count; row++) {
    const s = test.ptr[row],
      e = test.ptr[row + 1];
    if (s === e) continue;
    for (let i = s; i < e; i++) rel[test.items[i]] = 1;
    const recs = scoreClient(h.model, datasetClient(train, row), {
      now: 1e13,
      limit: 10,
      declineCooldownMs: Infinity,
      blend,
      reasons: false,
    });
    m.add(
      recs.map((r) => r.service),
      (x) => rel[x] === 1,
      e - s,
    );
    for (let i = s; i < e; i++) rel[test.items[i]] = 0;
  }
  console.log(name.padEnd(14), m.summary().ndcg.toFixed(4));
}
