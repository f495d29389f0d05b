import { evaluateMethods, trainHybrid } from "../scripts/eval/pipeline";
import { generateMl100kShape } from "../src/domain/ml100k-shape";
import { splitDataset } from "../src/domain/recommender";

const [pw, tw, ps, ds] = process.argv.slice(2).map(Number);
const d = generateMl100kShape({
  seed: 42,
  popularityWeight: pw,
  tasteWeight: tw,
  popularitySigma: ps,
  demographicShare: ds,
});
const deg = new Int32Array(d.nServices);
for (const c of d.interactions.col) deg[c]++;
const sorted = Array.from(deg).sort((a, b) => b - a);
const ones = sorted.filter((x) => x <= 1).length;
const ids = Array.from({ length: d.nServices }, (_, i) => String(i));
const catalog = ids.map((c) => ({ code: c, name: c, category: "x" }));
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
const r = evaluateMethods(train, test, h, 10, opts);
console.log(
  `pw=${pw} tw=${tw} ps=${ps} ds=${ds} maxdeg=${sorted[0]} median=${sorted[841]} le1=${ones}`,
  [...r].map(([m, x]) => `${m}:${x.ndcg.toFixed(3)}`).join(" "),
);
