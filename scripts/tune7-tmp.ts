import { generateMl100kShape } from "../src/domain/ml100k-shape";
import { datasetClient, MetricsAccumulator, scoreClient, splitDataset } from "../src/domain/recommender";
import { trainHybrid } from "./eval/pipeline";
const d = generateMl100kShape({ seed: 42, popularityWeight: 1.2, tasteWeight: 8 });
const catalog = Array.from({ length: d.nServices }, (_, i) => ({ code: String(i), name: String(i), category: "x" }));
const opts = { seed: 42, split: "random" as const, neighbours: 100, shrink: Number(process.argv[2] ?? 0), nearestGroups: 3, smoothing: 10, userNeighbours: 50, offersPerClient: 50 };
const { train, test } = splitDataset(d, "random", { seed: 42 });
const h = trainHybrid(train, catalog, [], opts);
const Z = { intercept: 0, item: 0, group: 0, link: 0, segment: 0, popularity: 0, activity: 0 };
function ev(blend: any) {
  const m = new MetricsAccumulator(10, d.nServices); const rel = new Uint8Array(d.nServices);
  for (let row = 0; row < train.clients.count; row += 1) {
    const s = test.ptr[row], e = test.ptr[row + 1]; if (s === e) continue;
    for (let i = s; i < e; i++) rel[test.items[i]] = 1;
    const recs = scoreClient(h.model, datasetClient(train, row), { now: 1e13, limit: 10, declineCooldownMs: Infinity, blend, reasons: false });
    m.add(recs.map((r) => r.service), (x) => rel[x] === 1, e - s);
    for (let i = s; i < e; i++) rel[test.items[i]] = 0;
  }
  return m.summary().ndcg;
}
console.log("fitted", ev(h.model.blend).toFixed(4), JSON.stringify(h.model.blend));
console.log("item", ev({ ...Z, item: 1 }).toFixed(4));
let best = 0, arg = "";
for (const g of [0, 0.1, 0.2, 0.4]) for (const sg of [0, 0.1, 0.2]) for (const p of [0, 0.1, 0.2, 0.4, 0.6]) {
  const v = ev({ ...Z, item: 2, group: g, segment: sg, popularity: p });
  if (v > best) { best = v; arg = `g=${g} s=${sg} p=${p}`; }
}
console.log("oracle", best.toFixed(4), arg);
