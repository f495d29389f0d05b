/**
 * One configuration of `npm run bench:train`, in its own process so that its memory is its own:
 * generates a demo bank of C clients × n services, then measures
 *   1. the full rebuild of the statistics from raw interactions (time; RSS before, peak during);
 *   2. retraining from the statistics (`trainFromStatistics`, the scheduled job's work) with a fixed
 *      set of deals for the blend fit, so that only the statistics differ between client counts, timed
 *      alternately with retraining the statistics of the 10k-client reference bank in this process;
 *      then the CPU time and peak extra RSS of one retrain, and the CPU time of its EASE solve alone;
 *   3. the incremental statistics update of one interaction (`applyInteractionChange`), without and
 *      with re-assigning the client's reference group.
 *
 * Usage: node --expose-gc --import tsx bench/lib/train-child.ts <clients> <services> <seed>
 */
import { setTimeout as sleep } from "node:timers/promises";
import { type BankDataset, DEMO_REFERENCE_NOW, generateBankDataset } from "../../scripts/datagen/demo";
import {
  applyInteractionChange,
  assignGroup,
  type ClientInteractions,
  type ClientState,
  datasetClient,
  easeNeighbours,
  featureSpaceFromDataset,
  type InteractionChange,
  type ModelStatistics,
  Rng,
  rebuildStatistics,
  trainFromStatistics,
} from "../../src/domain/recommender";
import { reportToParent } from "./child";
import { PeakRssSampler, typedArrayBytes } from "./memory";
import { catalogOf, simulateDeals } from "./models";
import { type SampleSummary, summarize, timeRepeated } from "./stats";

/**
 * Clients of the reference bank (same catalog and seed): its simulated deals fit the blend in every
 * configuration, and its statistics are retrained next to each configuration's.
 */
const REFERENCE_CLIENTS = 10_000;
/** Timed retraining runs (after one untimed). */
const RETRAIN_RUNS = 7;
/** Timed single-interaction updates (after as many untimed). */
const UPDATES = 2_000;

/** What one configuration measured (times in ms, memory in bytes). */
export interface TrainChildResult {
  clients: number;
  services: number;
  cells: number;
  groups: number;
  datasetBytes: number;
  generateMs: number;
  rebuildMs: number;
  rebuildPasses: number;
  rssBeforeRebuild: number;
  rssPeakDuringRebuild: number;
  maxRss: number;
  statisticsBytes: number;
  /** Clients of the reference bank the deals were simulated on, and the deal count. */
  referenceClients: number;
  deals: number;
  retrainMs: SampleSummary;
  /** Retraining the reference bank's statistics, timed alternately with `retrainMs` in this process. */
  retrainReferenceMs: SampleSummary;
  /** CPU time of one retrain and of its EASE step alone (the n³ part), in ms. */
  retrainCpuMs: number;
  easeCpuMs: number;
  /** Peak RSS above the settled baseline during one retrain (the EASE matrices are its bulk). */
  retrainExtraRss: number;
  updateMs: SampleSummary;
  updateWithGroupMs: SampleSummary;
  /** Mean statistics cells one update changes (pairs + group, segment and service cells). */
  meanDeltaCells: number;
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** A cell write for row `row`: accept a service the client declined, else take up one it lacks. */
function changeFor(bank: BankDataset, row: number, rng: Rng): InteractionChange {
  const { rowPtr, col, value } = bank.dataset.interactions;
  for (let k = rowPtr[row]; k < rowPtr[row + 1]; k++) if (value[k] === -1) return { service: col[k], value: 1 };
  const n = bank.dataset.nServices;
  for (;;) {
    const service = rng.int(n);
    let present = false;
    for (let k = rowPtr[row]; k < rowPtr[row + 1]; k++) if (col[k] === service) present = true;
    if (!present) return { service, value: 1 };
  }
}

/** The client's interactions after `change` (a new cell is appended, an existing one rewritten). */
function withChange(state: ClientState, change: InteractionChange): ClientInteractions {
  const services = Array.from(state.interactions.services);
  const values = Array.from(state.interactions.values);
  const at = services.indexOf(change.service);
  if (at >= 0) values[at] = change.value;
  else {
    services.push(change.service);
    values.push(change.value);
  }
  return { services, values };
}

async function main() {
  const [clients, services, seed] = process.argv.slice(2).map(Number);
  if (!Number.isInteger(clients) || !Number.isInteger(services) || !Number.isInteger(seed)) {
    throw new Error("usage: train-child.ts <clients> <services> <seed>");
  }
  const generateStart = performance.now();
  const bank = generateBankDataset({ preset: "demo", clients, services, seed });
  const generateMs = performance.now() - generateStart;
  const dataset = bank.dataset;
  const space = featureSpaceFromDataset(dataset);
  const { catalog, links } = catalogOf(bank);

  // V8 returns freed pages to the OS shortly after a collection: settle before taking the baseline.
  gc();
  await sleep(300);
  gc();
  await sleep(100);
  const rssBeforeRebuild = process.memoryUsage.rss();
  const sampler = new PeakRssSampler();
  await sampler.start();
  const rebuildStart = performance.now();
  const rebuild = rebuildStatistics(dataset, space, { seed });
  const rebuildMs = performance.now() - rebuildStart;
  const rssPeakDuringRebuild = await sampler.stop();
  const stats = rebuild.stats;

  // The reference: the 10k-client bank of the same catalog and seed. Its deals fit the blend in every
  // configuration (the fit depends on deals, not on the client base), and its statistics are retrained
  // alternately with this configuration's, so that their ratio is taken in one run.
  const reference =
    clients === REFERENCE_CLIENTS
      ? bank
      : generateBankDataset({ preset: "demo", clients: REFERENCE_CLIENTS, services, seed });
  const referenceSpace = featureSpaceFromDataset(reference.dataset);
  const deals = simulateDeals(reference.dataset, referenceSpace, catalog, links, { seed, now: DEMO_REFERENCE_NOW });
  const referenceStats =
    reference === bank ? stats : rebuildStatistics(reference.dataset, referenceSpace, { seed }).stats;
  const train = (from: ModelStatistics) =>
    trainFromStatistics(from, catalog, links, { version: "bench", trainedAt: DEMO_REFERENCE_NOW }, deals);
  gc();
  let model = train(stats);
  train(referenceStats);
  const own = new Float64Array(RETRAIN_RUNS);
  const ref = new Float64Array(RETRAIN_RUNS);
  for (let run = 0; run < RETRAIN_RUNS; run++) {
    own[run] = timeRepeated(() => {
      model = train(stats);
    }, 1)[0];
    ref[run] = timeRepeated(() => train(referenceStats), 1)[0];
  }
  const retrainMs = summarize(own);
  const retrainReferenceMs = summarize(ref);

  // CPU and memory of one retrain, and of the EASE solve alone, from a settled heap.
  const cpuMs = () => {
    const usage = process.cpuUsage();
    return (usage.user + usage.system) / 1000;
  };
  gc();
  await sleep(300);
  gc();
  await sleep(100);
  const rssBeforeRetrain = process.memoryUsage.rss();
  const retrainSampler = new PeakRssSampler();
  await retrainSampler.start();
  const retrainCpuStart = cpuMs();
  model = train(stats);
  const retrainCpuMs = cpuMs() - retrainCpuStart;
  const retrainExtraRss = (await retrainSampler.stop()) - rssBeforeRetrain;
  const easeCpuStart = cpuMs();
  easeNeighbours(stats.pairDot, stats.space.nServices, model.config.neighbours, model.config.easeLambda);
  const easeCpuMs = cpuMs() - easeCpuStart;

  // Single-interaction updates, each on another client spread over the base and timed on its own:
  // a warm-up set, a set keeping the client's group, a set re-assigning it (as a profile change may).
  const rng = new Rng(seed);
  const rows = dataset.clients.count;
  const wanted = 3 * UPDATES;
  const stride = Math.max(1, Math.floor(rows / wanted));
  const states: ClientState[] = [];
  const changes: InteractionChange[] = [];
  for (let row = 0; row < rows && states.length < wanted; row += stride) {
    states.push({ ...datasetClient(dataset, row), group: rebuild.clientGroups[row] });
    changes.push(changeFor(bank, row, rng));
  }
  const third = Math.floor(states.length / 3);
  for (let i = 0; i < third; i++) applyInteractionChange(stats, states[i], changes[i]);
  const update = new Float64Array(third);
  const updateWithGroup = new Float64Array(third);
  let deltaCells = 0;
  for (let i = 0; i < third; i++) {
    const t0 = process.hrtime.bigint();
    const { delta } = applyInteractionChange(stats, states[third + i], changes[third + i]);
    update[i] = Number(process.hrtime.bigint() - t0) / 1e6;
    deltaCells +=
      delta.pairs.length + delta.services.length + delta.segmentServices.length + delta.groupServices.length;
  }
  for (let i = 0; i < third; i++) {
    const state = states[2 * third + i];
    const change = changes[2 * third + i];
    const t0 = process.hrtime.bigint();
    const group = assignGroup(model, { profile: state.profile, interactions: withChange(state, change) });
    applyInteractionChange(stats, state, change, group);
    updateWithGroup[i] = Number(process.hrtime.bigint() - t0) / 1e6;
  }

  const result: TrainChildResult = {
    clients,
    services: dataset.nServices,
    cells: dataset.interactions.col.length,
    groups: stats.nGroups,
    datasetBytes: typedArrayBytes(dataset),
    generateMs,
    rebuildMs,
    rebuildPasses: rebuild.passes,
    rssBeforeRebuild,
    rssPeakDuringRebuild,
    maxRss: process.resourceUsage().maxRSS * 1024,
    statisticsBytes: typedArrayBytes(stats),
    referenceClients: REFERENCE_CLIENTS,
    deals: deals.length,
    retrainMs,
    retrainReferenceMs,
    retrainCpuMs,
    easeCpuMs,
    retrainExtraRss,
    updateMs: summarize(update),
    updateWithGroupMs: summarize(updateWithGroup),
    meanDeltaCells: deltaCells / third,
  };
  reportToParent(result);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
