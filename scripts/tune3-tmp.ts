import { generateMl100kShape } from "../src/domain/ml100k-shape";
import {
  datasetClient,
  ExactUserKnn,
  featureSpaceFromDataset,
  fitBlend,
  MetricsAccumulator,
  rebuildStatistics,
  scoreClient,
  splitDataset,
  trainFromStatistics,
} from "../src/domain/recommender";

const [pw, tw, G] = process.argv.slice(2).map(Number);
const d = generateMl100kShape({ seed: 42, popularityWeight: pw, tasteWeight: tw });
const n = d.nServices;
const catalog = Array.from({ length: n }, (_, i) => ({ code: String(i), name: String(i), category: "x" }));
function train(ds: any) {
  const space = featureSpaceFromDataset(ds);
  const rb = rebuildStatistics(ds, space, { groups: G || undefined, seed: 42 });
  return { space, model: trainFromStatistics(rb.stats, catalog, [], { version: "x", trainedAt: 0 }) };
}
type Row = { f: number[]; y: number; u: number; s: number };
function collect(ds: any, held: any, model: any, space: any, cand: number) {
  const rows: Row[] = [];
  const ex = new ExactUserKnn(ds, space, 50);
  const sc = new Float64Array(n);
  for (let u = 0; u < ds.clients.count; u++) {
    const s0 = held.ptr[u],
      e0 = held.ptr[u + 1];
    if (s0 === e0) continue;
    const rel = new Set(held.items.subarray(s0, e0));
    const c = datasetClient(ds, u);
    const all = scoreClient(model, c, {
      now: 1e13,
      limit: n,
      declineCooldownMs: Infinity,
      reasons: false,
      blend: { intercept: 0, item: 1, group: 0, link: 0, segment: 0, popularity: 0 },
    });
    ex.scoreInto(u, sc);
    let maxI = 1e-9,
      maxU = 1e-9;
    for (const r of all) {
      maxI = Math.max(maxI, r.parts.item);
      maxU = Math.max(maxU, sc[r.service]);
    }
    const nnz = c.interactions.services.length;
    for (const r of all.slice(0, cand)) {
      const p = r.parts;
      rows.push({
        u,
        s: r.service,
        y: rel.has(r.service) ? 1 : 0,
        f: [p.item, p.group, p.segment, p.popularity, nnz, maxI, sc[r.service], maxU],
      });
    }
  }
  return rows;
}
const logit = (p: number) => Math.log(Math.max(1e-4, p) / (1 - Math.max(1e-4, p)));
const transforms: Record<string, (f: number[]) => number[]> = {
  base: (f) => [Math.log1p(f[0]), logit(f[1]) - logit(f[3]), logit(f[2]) - logit(f[3]), logit(f[3])],
  baseAct: (f) => [Math.log1p(f[0]), logit(f[1]) - logit(f[3]), logit(f[2]) - logit(f[3]), logit(f[3]), Math.log1p(f[4])],
  raw: (f) => [f[0], logit(f[1]) - logit(f[3]), logit(f[2]) - logit(f[3]), logit(f[3])],
  rawAct: (f) => [f[0], logit(f[1]) - logit(f[3]), logit(f[2]) - logit(f[3]), logit(f[3]), Math.log1p(f[4])],
  rel: (f) => [f[0] / f[5], logit(f[1]) - logit(f[3]), logit(f[2]) - logit(f[3]), logit(f[3])],
  relAct: (f) => [f[0] / f[5], logit(f[1]) - logit(f[3]), logit(f[2]) - logit(f[3]), logit(f[3]), Math.log1p(f[4])],
  sqrtN: (f) => [f[0] / Math.sqrt(f[4]), logit(f[1]) - logit(f[3]), logit(f[2]) - logit(f[3]), logit(f[3]), Math.log1p(f[4])],
  itemOnly: (f) => [f[0]],
};
// simple logistic GD fit (unconstrained) for experiment
function fit(X: number[][], y: number[]) {
  const D = X[0].length + 1;
  const w = new Float64Array(D);
  const mu = new Float64Array(D - 1),
    sd = new Float64Array(D - 1);
  for (const x of X) x.forEach((v, i) => (mu[i] += v / X.length));
  for (const x of X) x.forEach((v, i) => (sd[i] += (v - mu[i]) ** 2 / X.length));
  for (let i = 0; i < D - 1; i++) sd[i] = Math.sqrt(sd[i]) || 1;
  const Z = X.map((x) => x.map((v, i) => (v - mu[i]) / sd[i]));
  for (let it = 0; it < 300; it++) {
    const g = new Float64Array(D);
    Z.forEach((z, k) => {
      let s = w[0];
      z.forEach((v, i) => (s += w[i + 1] * v));
      const p = 1 / (1 + Math.exp(-s));
      const r = p - y[k];
      g[0] += r;
      z.forEach((v, i) => (g[i + 1] += r * v));
    });
    for (let i = 0; i < D; i++) w[i] -= (2 * g[i]) / Z.length;
  }
  return (x: number[]) => {
    let s = w[0];
    x.forEach((v, i) => (s += (w[i + 1] * (v - mu[i])) / sd[i]));
    return s;
  };
}
const { train: tr, test } = splitDataset(d, "random", { seed: 42 });
const inner = splitDataset(tr, "random", { seed: 43 });
const im = train(inner.train);
const innerRows = collect(inner.train, inner.test, im.model, im.space, 50);
const om = train(tr);
const outerRows = collect(tr, test, om.model, om.space, 100);
for (const [name, t] of Object.entries(transforms)) {
  const f = fit(
    innerRows.map((r) => t(r.f)),
    innerRows.map((r) => r.y),
  );
  // rerank outer top-100 candidates
  const m = new MetricsAccumulator(10, n);
  const byUser = new Map<number, Row[]>();
  for (const r of outerRows) {
    if (!byUser.has(r.u)) byUser.set(r.u, []);
    byUser.get(r.u)!.push(r);
  }
  for (const [u, rows] of byUser) {
    const rel = new Set(test.items.subarray(test.ptr[u], test.ptr[u + 1]));
    const ranked = rows
      .map((r) => ({ s: r.s, z: f(t(r.f)) }))
      .sort((a, b) => b.z - a.z)
      .slice(0, 10)
      .map((x) => x.s);
    m.add(ranked, (x) => rel.has(x), rel.size);
  }
  console.log(name.padEnd(10), m.summary().ndcg.toFixed(4));
}
