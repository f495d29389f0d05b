/**
 * Quick Node measurement of the hot path: `npx tsx scripts/eval/measure-scoring.ts [clients]`
 * (catalogue sizes from SIZES, default "50,500,2000"; `npm run bench:core` is the reference benchmark).
 * For catalogues of 50, 500 and 2,000 services (demo bank data, tariff variants added), trains a
 * model, encodes / decodes the artefact and times `scoreClient` per call against a plain pass over
 * the arrays scoring reads (segment row, popularity, the nearest groups' rows, the client's
 * neighbour and link lists).
 */

import {
  datasetClient,
  decodeModel,
  encodeModel,
  featureSpaceFromDataset,
  type RecommenderModel,
  rebuildStatistics,
  scoreClient,
  segmentOf,
  trainFromStatistics,
} from "../../src/domain/recommender";
import { generateBankDataset } from "../datagen/demo";

const clients = Number(process.argv[2] ?? 20_000);

function time(repeat: number, run: () => void): number {
  for (let i = 0; i < Math.min(200, repeat); i++) run();
  const started = performance.now();
  for (let i = 0; i < repeat; i++) run();
  return (performance.now() - started) / repeat;
}

/** One read of every array element scoring touches for this client, summed (the floor of any scorer). */
function plainPass(model: RecommenderModel, client: ReturnType<typeof datasetClient>, groups: number[]): number {
  const n = model.nServices;
  const segment = segmentOf(model.space, client.profile.age, client.profile.monthlyIncome);
  let sum = 0;
  const services = client.interactions.services;
  for (let i = 0; i < services.length; i++) {
    const j = services[i];
    for (let p = model.reverseNeighbourPtr[j]; p < model.reverseNeighbourPtr[j + 1]; p++) {
      sum += model.reverseNeighbourSimilarity[p] * model.reverseNeighbourIndex[p];
    }
    for (let p = model.linkPtr[j]; p < model.linkPtr[j + 1]; p++) sum += model.linkWeight[p];
  }
  for (let s = 0; s < n; s++) {
    let v = model.segmentLogit[segment * n + s] + model.popularityLogit[s];
    for (const g of groups) v += model.groupLogit[g * n + s];
    sum += v;
  }
  return sum;
}

for (const services of (process.env.SIZES ?? "50,500,2000").split(",").map(Number)) {
  const bank = generateBankDataset({ preset: "demo", clients, services, seed: 7 });
  const space = featureSpaceFromDataset(bank.dataset, { profileShare: 0.5 });
  const trainStarted = performance.now();
  const rebuild = rebuildStatistics(bank.dataset, space, { seed: 7 });
  const rebuilt = performance.now();
  const model = trainFromStatistics(
    rebuild.stats,
    bank.catalog.services,
    bank.catalog.links.map((l) => ({ from: l.from, to: l.to, weight: l.weight })),
    { version: `bench-${services}`, trainedAt: 0 },
  );
  const trained = performance.now();
  const bytes = encodeModel(model);
  const decodeMs = time(50, () => decodeModel(bytes));
  const fullDecodeMs = time(5, () => decodeModel(bytes, { verify: "full" }));
  const decoded = decodeModel(bytes);
  const rows = Array.from({ length: 200 }, (_, i) => datasetClient(bank.dataset, (i * 7919) % clients));
  const now = Date.UTC(2026, 10, 1);
  let r = 0;
  const scoreMs = time(5000, () => {
    scoreClient(decoded, rows[r++ % rows.length], { now, limit: 10, reasons: false });
  });
  r = 0;
  const reasonsMs = time(2000, () => {
    scoreClient(decoded, rows[r++ % rows.length], { now, limit: 10 });
  });
  const groups = Array.from({ length: decoded.config.nearestGroups }, (_, i) => i % decoded.nGroups);
  let sink = 0;
  r = 0;
  const plainMs = time(5000, () => {
    sink += plainPass(decoded, rows[r++ % rows.length], groups);
  });
  const top = scoreClient(decoded, rows[0], { now, limit: 3 });
  console.log(
    `${String(services).padStart(5)} services: rebuild ${((rebuilt - trainStarted) / 1000).toFixed(2)} s, ` +
      `train ${(trained - rebuilt).toFixed(0)} ms, artefact ${(bytes.byteLength / 1024).toFixed(0)} KiB, ` +
      `decode ${decodeMs.toFixed(3)} ms (full verify ${fullDecodeMs.toFixed(2)} ms); ` +
      `scoreClient ${(scoreMs * 1000).toFixed(1)} µs (with reasons ${(reasonsMs * 1000).toFixed(1)} µs), ` +
      `plain pass ${(plainMs * 1000).toFixed(1)} µs, ratio ${(scoreMs / plainMs).toFixed(2)}` +
      `${sink === 42 ? "" : ""}; top ratings ${top.map((t) => t.rating.toFixed(1)).join(", ")}`,
  );
}
