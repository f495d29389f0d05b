import { generateBankDataset } from "../src/domain/demo";
import { generateMl100kShape } from "../src/domain/ml100k-shape";
import { splitDataset } from "../src/domain/recommender";
import { evaluateMethods, trainHybrid } from "./eval/pipeline";
const a = Object.fromEntries(process.argv.slice(2).map((x) => x.split("=")));
const num = (k: string, d: number) => (a[k] === undefined ? d : Number(a[k]));
let d: any, catalog: any, links: any = [], k = 10;
if (a.data === "ml") {
  d = generateMl100kShape({ seed: 42, popularityWeight: num("pw", 1.3), tasteWeight: num("tw", 9), archetypeShare: num("as", 0.3), demographicShare: num("ds", 0.2) });
  catalog = Array.from({ length: d.nServices }, (_, i) => ({ code: String(i), name: String(i), category: "x" }));
} else {
  const g = generateBankDataset({ preset: a.data === "demo" ? "demo" : "alt", clients: num("clients", 3000), seed: 42 });
  d = g.dataset; k = 5;
  catalog = g.catalog.services.map((s) => ({ code: s.code, name: s.name, category: s.category }));
  links = g.catalog.links.map((l) => ({ from: l.from, to: l.to, weight: l.weight }));
}
const opts = { k, seed: 42, split: (a.split ?? "random") as any, groups: a.G ? num("G", 0) : undefined, neighbours: num("nb", 100), shrink: num("shrink", 0), nearestGroups: num("m", 3), smoothing: num("sm", 10), profileShare: a.ps ? num("ps", 0.3) : undefined, userNeighbours: 50, offersPerClient: num("offers", 50) };
const { train, test } = splitDataset(d, opts.split, { seed: 42 });
const t0 = performance.now();
const h = trainHybrid(train, catalog, links, opts);
const r = evaluateMethods(train, test, h, k, opts);
const b = h.model.blend;
console.log(process.argv.slice(2).join(" "), ((performance.now() - t0) / 1000).toFixed(1) + "s |", [...r].map(([m, x]) => `${m.replace(/ /g, "")}:${x.ndcg.toFixed(4)}/${x.map.toFixed(4)}`).join(" "), "| blend", Object.values(b).map((v) => v.toFixed(2)).join(","));
