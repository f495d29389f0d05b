import { generateBankDataset } from "../src/domain/demo";
import { splitDataset } from "../src/domain/recommender";
import { evaluateMethods, trainHybrid } from "./eval/pipeline";
const mode = process.argv[2];
const g = generateBankDataset({ preset: "demo", clients: 3000, seed: 42 });
const d = g.dataset;
if (mode === "pos") { // drop declines
  const r = d.interactions; const rp = new Int32Array(r.rowPtr.length); const col: number[] = [], val: number[] = [], tm: number[] = [];
  for (let u = 0; u < d.clients.count; u++) { for (let i = r.rowPtr[u]; i < r.rowPtr[u + 1]; i++) if (r.value[i] > 0) { col.push(r.col[i]); val.push(1); tm.push(r.time![i]); } rp[u + 1] = col.length; }
  d.interactions = { rowPtr: rp, col: Int32Array.from(col), value: Int8Array.from(val), time: Float64Array.from(tm) };
}
const catalog = g.catalog.services.map((s) => ({ code: s.code, name: s.name, category: s.category }));
const links = g.catalog.links.map((l) => ({ from: l.from, to: l.to, weight: l.weight }));
const opts = { seed: 42, split: "random" as const, neighbours: 100, shrink: Number(process.argv[3] ?? 0), nearestGroups: 3, smoothing: 10, userNeighbours: 50, offersPerClient: 50 };
const { train, test } = splitDataset(d, "random", { seed: 42 });
const h = trainHybrid(train, catalog, links, opts);
const r = evaluateMethods(train, test, h, 5, opts);
console.log(mode, [...r].map(([m, x]) => `${m}:${x.ndcg.toFixed(3)}`).join(" "));
console.log(h.model.blend);
