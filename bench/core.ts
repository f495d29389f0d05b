/**
 * `npm run bench:core` — the lead call's hot path in Node, through the same src/domain code the
 * Worker runs: scoring one client against 50, 500 and 2,000 services, each call timed next to the
 * floor (one plain pass over the typed arrays that call reads, see lib/floor.ts) in the same run,
 * plus the model artefact's size and load time (cold in a fresh process, and warm).
 *
 * Options: --sizes 50,500,2000  --clients 20000  --rounds 20 (timed passes over 1,000 sampled clients)
 *          --scoring-only (no model-load part, nothing written: for profiling runs).
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import {
  datasetClient,
  decodeModel,
  encodeModel,
  type RecommenderClient,
  type RecommenderModel,
  type ScoreOptions,
  scoreClient,
} from "../src/domain/recommender";
import { runChild } from "./lib/child";
import { type FloorInput, floorInput, scoringFloor } from "./lib/floor";
import type { ColdLoadResult } from "./lib/load-child";
import { describeMachine } from "./lib/machine";
import { buildDemoModel } from "./lib/models";
import { BenchReport, bytes, duration, fixed, PROJECT_ROOT, times } from "./lib/report";
import { ratio, type SampleSummary, summarize, timeRepeated } from "./lib/stats";

const SEED = 42;
/** Distinct clients scored per catalog size (spread evenly over the generated base). */
const SAMPLE_CLIENTS = 1_000;
/** Untimed passes over the sample before timing (JIT, caches). */
const WARMUP_ROUNDS = 3;
/** Iterations of the warm model-load timing. */
const LOAD_ITERATIONS = 200;

interface ScoringResult {
  services: number;
  clients: number;
  groups: number;
  neighbours: number;
  meanCells: number;
  meanResults: number;
  calls: number;
  scoreMs: SampleSummary;
  /** The same call with `reasons: false` (diagnostic: what building the reasons costs). */
  noReasonsMs: SampleSummary;
  floorMs: SampleSummary;
  ratioP50: number;
  ratioP99: number;
  setupSeconds: number;
  blend: RecommenderModel["calibration"]["note"];
}

interface LoadResult {
  services: number;
  artefactBytes: number;
  cold: { structure: ColdLoadResult; full: ColdLoadResult };
  warmStructureMs: SampleSummary;
  warmFullMs: SampleSummary;
}

function parseOptions() {
  const { values } = parseArgs({
    options: {
      sizes: { type: "string", default: "50,500,2000" },
      clients: { type: "string", default: "20000" },
      rounds: { type: "string", default: "20" },
      "scoring-only": { type: "boolean", default: false },
    },
  });
  const sizes = values.sizes.split(",").map(Number);
  const clients = Number(values.clients);
  const rounds = Number(values.rounds);
  if (sizes.some((s) => !Number.isInteger(s) || s < 47) || !(clients >= SAMPLE_CLIENTS) || !(rounds >= 1)) {
    throw new Error(
      "usage: bench/core.ts [--sizes 50,500,2000] [--clients N >= 1000] [--rounds R >= 1] [--scoring-only]",
    );
  }
  return { sizes, clients, rounds, scoringOnly: values["scoring-only"] };
}

/** Scores and floors every sampled client `rounds` times, interleaved call by call. */
function timeScoring(
  model: RecommenderModel,
  sample: RecommenderClient[],
  floors: FloorInput[],
  options: ScoreOptions,
  rounds: number,
) {
  let sink = 0;
  let results = 0;
  for (let r = 0; r < WARMUP_ROUNDS; r++) {
    for (let i = 0; i < sample.length; i++) {
      results += scoreClient(model, sample[i], options).length;
      sink += scoringFloor(model, floors[i]);
      sink += scoreClient(model, sample[i], { ...options, reasons: false }).length;
    }
  }
  const withoutReasons: ScoreOptions = { ...options, reasons: false };
  const calls = rounds * sample.length;
  const score = new Float64Array(calls);
  const bare = new Float64Array(calls);
  const floor = new Float64Array(calls);
  results = 0;
  let at = 0;
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < sample.length; i++) {
      const t0 = process.hrtime.bigint();
      results += scoreClient(model, sample[i], options).length;
      const t1 = process.hrtime.bigint();
      sink += scoringFloor(model, floors[i]);
      const t2 = process.hrtime.bigint();
      sink += scoreClient(model, sample[i], withoutReasons).length;
      const t3 = process.hrtime.bigint();
      score[at] = Number(t1 - t0) / 1e6;
      floor[at] = Number(t2 - t1) / 1e6;
      bare[at] = Number(t3 - t2) / 1e6;
      at++;
    }
  }
  return {
    score: summarize(score),
    bare: summarize(bare),
    floor: summarize(floor),
    calls,
    meanResults: results / calls,
    sink,
  };
}

async function coldLoad(artefact: Uint8Array, verify: "structure" | "full"): Promise<ColdLoadResult> {
  const dir = mkdtempSync(join(tmpdir(), "cactubase-bench-"));
  try {
    const file = join(dir, "model.bin");
    writeFileSync(file, artefact);
    return await runChild<ColdLoadResult>(join(PROJECT_ROOT, "bench", "lib", "load-child.ts"), [file, verify]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function main() {
  const options = parseOptions();
  const report = new BenchReport("core", "npm run bench:core", describeMachine());
  const scoring: ScoringResult[] = [];
  const loads: LoadResult[] = [];
  let checksum = 0;

  for (const services of options.sizes) {
    const setupStart = performance.now();
    const built = buildDemoModel({ services, clients: options.clients, seed: SEED });
    const setupSeconds = (performance.now() - setupStart) / 1000;
    const { model, dataset } = built;
    const rows = dataset.clients.count;
    const stride = Math.max(1, Math.floor(rows / SAMPLE_CLIENTS));
    const sample: RecommenderClient[] = [];
    for (let row = 0; row < rows && sample.length < SAMPLE_CLIENTS; row += stride)
      sample.push(datasetClient(dataset, row));
    const floors = sample.map((client) => floorInput(model, client));
    let cells = 0;
    for (const client of sample) cells += client.interactions.services.length;
    // The Worker passes an eligibility mask built from the catalog (inactive services, paused companies).
    const eligible = new Uint8Array(model.nServices).fill(1);
    const scoreOptions: ScoreOptions = { now: built.now, eligible, limit: 10, reasons: true };
    const timed = timeScoring(model, sample, floors, scoreOptions, options.rounds);
    checksum += timed.sink;
    scoring.push({
      services,
      clients: rows,
      groups: model.nGroups,
      neighbours: model.neighbours,
      meanCells: cells / sample.length,
      meanResults: timed.meanResults,
      calls: timed.calls,
      scoreMs: timed.score,
      noReasonsMs: timed.bare,
      floorMs: timed.floor,
      ratioP50: ratio(timed.score.p50, timed.floor.p50),
      ratioP99: ratio(timed.score.p99, timed.floor.p99),
      setupSeconds,
      blend: model.calibration.note,
    });
    console.error(
      `  ${services} services: scored ${timed.calls} calls (model built in ${setupSeconds.toFixed(1)} s, ${model.calibration.note})`,
    );

    if (options.scoringOnly) continue;
    const artefact = encodeModel(model);
    const cold = { structure: await coldLoad(artefact, "structure"), full: await coldLoad(artefact, "full") };
    const warmStructureMs = summarize(timeRepeated(() => decodeModel(artefact), LOAD_ITERATIONS, 20));
    const warmFullMs = summarize(timeRepeated(() => decodeModel(artefact, { verify: "full" }), LOAD_ITERATIONS, 20));
    loads.push({ services, artefactBytes: artefact.byteLength, cold, warmStructureMs, warmFullMs });
  }

  report.table(
    `Scoring one client (scoreClient: limit 10, reasons on, eligibility mask; ${SAMPLE_CLIENTS} clients × ${options.rounds} rounds, interleaved with the floor)`,
    [
      { title: "services" },
      { title: "groups" },
      { title: "k" },
      { title: "cells" },
      { title: "score p50" },
      { title: "score p99" },
      { title: "no-reasons p50" },
      { title: "÷ floor" },
      { title: "floor p50" },
      { title: "floor p99" },
      { title: "ratio p50" },
      { title: "ratio p99" },
      { title: "calls" },
    ],
    scoring.map((s) => [
      String(s.services),
      String(s.groups),
      String(s.neighbours),
      fixed(s.meanCells, 1),
      duration(s.scoreMs.p50),
      duration(s.scoreMs.p99),
      duration(s.noReasonsMs.p50),
      times(ratio(s.noReasonsMs.p50, s.floorMs.p50)),
      duration(s.floorMs.p50),
      duration(s.floorMs.p99),
      times(s.ratioP50),
      times(s.ratioP99),
      String(s.calls),
    ]),
  );
  report.notes(
    "cells: mean interactions per sampled client; floor: one pass summing every typed-array entry the call reads (docs/performance.md).",
    "no-reasons: the same call with reasons: false (diagnostic: the cost of building the reasons of the 10 results).",
    `models: ${options.clients} generated clients (preset demo, seed ${SEED}), full rebuild + blend fitted on simulated deals.`,
  );

  report.table(
    "Model load (artefact bytes → decoded model); cold = first call in a fresh process, warm = median of 200",
    [
      { title: "services" },
      { title: "artefact" },
      { title: "cold structure" },
      { title: "cold full" },
      { title: "1st score" },
      { title: "warm structure" },
      { title: "warm full" },
    ],
    loads.map((l) => [
      String(l.services),
      bytes(l.artefactBytes),
      duration(l.cold.structure.decodeMs),
      duration(l.cold.full.decodeMs),
      duration(l.cold.structure.firstScoreMs),
      duration(l.warmStructureMs.p50),
      duration(l.warmFullMs.p50),
    ]),
  );
  report.notes(
    'structure: decodeModel default checks (header, sections, CSR pointers); full: also CRC-32 and every index (verify: "full").',
    "1st score: the first scoreClient on the freshly decoded model in the cold process (scratch buffers, cold code).",
  );

  const at = (n: number) => scoring.find((s) => s.services === n);
  const s500 = at(500);
  const s2000 = at(2000);
  const l2000 = loads.find((l) => l.services === 2000);
  report.target({
    target: "scoring 500 services ≤ 3× the floor (p50)",
    value: s500?.ratioP50 ?? Number.NaN,
    limit: 3,
    measured: s500
      ? `${times(s500.ratioP50)} (p50 ${duration(s500.scoreMs.p50)} vs floor ${duration(s500.floorMs.p50)}; p99 ratio ${times(s500.ratioP99)})`
      : "not run (--sizes without 500)",
  });
  report.target({
    target: "scoring 2,000 services ≤ 1 ms per call (p50)",
    value: s2000?.scoreMs.p50 ?? Number.NaN,
    limit: 1,
    measured: s2000
      ? `p50 ${duration(s2000.scoreMs.p50)} (p99 ${duration(s2000.scoreMs.p99)}, mean ${duration(s2000.scoreMs.mean)})`
      : "not run (--sizes without 2000)",
  });
  // Both decode modes get a line: which one a cold isolate pays depends on the model store.
  for (const verify of ["structure", "full"] as const) {
    report.target({
      target: `2,000-service artefact loads in ≤ 5 ms (cold, verify "${verify}")`,
      value: l2000?.cold[verify].decodeMs ?? Number.NaN,
      limit: 5,
      measured: l2000
        ? `${duration(l2000.cold[verify].decodeMs)} cold, ${duration(verify === "full" ? l2000.warmFullMs.p50 : l2000.warmStructureMs.p50)} warm (${bytes(l2000.artefactBytes)})`
        : "not run (--sizes without 2000)",
    });
  }
  report.printTargets();
  if (options.scoringOnly) {
    // Profiling runs (often from a bundle outside the project): print only, write nothing.
    console.log(`\n--scoring-only: results not written (floor checksum ${checksum}).`);
    return;
  }
  report.finish({ options, scoring, loads, floorChecksum: checksum });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
