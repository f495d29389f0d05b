/**
 * `npm run bench:train` — what training costs and what it scales with: the incremental statistics
 * update of one interaction, retraining from the statistics for 50 / 500 / 2,000 services, and the
 * full rebuild from raw interactions for 10k / 100k / 1M generated clients, with the growth
 * factors from 10k to 1M clients. Each configuration runs in its own process (lib/train-child.ts)
 * so that its peak memory is its own.
 *
 * Options: --clients 10000,100000,1000000 (client sweep, 500 services)  --services 50,500,2000 (at 10k clients)
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { runChild } from "./lib/child";
import { describeMachine } from "./lib/machine";
import { BenchReport, bytes, duration, fixed, PROJECT_ROOT, times } from "./lib/report";
import { ratio } from "./lib/stats";
import type { TrainChildResult } from "./lib/train-child";

const SEED = 42;
/** Catalog size of the client sweep. */
const SWEEP_SERVICES = 500;
/** Client count of the service sweep. */
const SWEEP_CLIENTS = 10_000;
const CHILD = join(PROJECT_ROOT, "bench", "lib", "train-child.ts");

/** Clients of the reference bank every configuration retrains next to its own (see lib/train-child.ts). */
const REFERENCE_CLIENTS = 10_000;

/** A configuration's retraining time over the reference's, both timed alternately in its process. */
function retrainRatio(result: TrainChildResult | undefined): number {
  return result ? ratio(result.retrainMs.p50, result.retrainReferenceMs.p50) : Number.NaN;
}

function parseList(raw: string, name: string): number[] {
  const list = raw.split(",").map(Number);
  if (list.length === 0 || list.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new Error(`--${name} must be a comma-separated list of positive integers`);
  }
  return list;
}

async function measure(clients: number, services: number): Promise<TrainChildResult> {
  const started = performance.now();
  const result = await runChild<TrainChildResult>(
    CHILD,
    [String(clients), String(services), String(SEED)],
    ["--expose-gc"],
  );
  console.error(
    `  ${clients} clients × ${services} services measured in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return result;
}

async function main() {
  const { values } = parseArgs({
    options: {
      clients: { type: "string", default: "10000,100000,1000000" },
      services: { type: "string", default: "50,500,2000" },
    },
  });
  const clientSweep = parseList(values.clients, "clients");
  const serviceSweep = parseList(values.services, "services");
  const report = new BenchReport("train", "npm run bench:train", describeMachine());

  const results: TrainChildResult[] = [];
  const find = (clients: number, services: number) =>
    results.find((r) => r.clients === clients && r.services === services);
  const run = async (clients: number, services: number) =>
    find(clients, services) ?? results[results.push(await measure(clients, services)) - 1];
  for (const services of serviceSweep) await run(SWEEP_CLIENTS, services);
  for (const clients of clientSweep) await run(clients, SWEEP_SERVICES);
  const byServices = serviceSweep.map((s) => find(SWEEP_CLIENTS, s)!);
  const byClients = clientSweep.map((c) => find(c, SWEEP_SERVICES)!);

  report.table(
    `Incremental statistics update per interaction (applyInteractionChange; ${byServices[0]?.updateMs.count ?? 0} clients, one cell each)`,
    [
      { title: "services" },
      { title: "clients" },
      { title: "p50" },
      { title: "p99" },
      { title: "+ group p50" },
      { title: "+ group p99" },
      { title: "cells changed" },
    ],
    [...byServices, ...byClients.filter((r) => r.clients !== SWEEP_CLIENTS)].map((r) => [
      String(r.services),
      String(r.clients),
      duration(r.updateMs.p50),
      duration(r.updateMs.p99),
      duration(r.updateWithGroupMs.p50),
      duration(r.updateWithGroupMs.p99),
      fixed(r.meanDeltaCells, 1),
    ]),
  );
  report.notes(
    "+ group: also assigns the nearest reference group of the new client vector (assignGroup) and moves the client.",
    "cells changed: statistics cells one update adds to (pairs, service, segment and group cells) — what the Worker persists.",
  );

  report.table(
    `Retrain from statistics (trainFromStatistics: neighbours, centroids, smoothed rates, links, blend fit on ${byServices[0]?.deals ?? 0} deals)`,
    [
      { title: "services" },
      { title: "clients" },
      { title: "groups" },
      { title: "statistics" },
      { title: "p50" },
      { title: "min" },
      { title: "max" },
      { title: "10k ref p50" },
      { title: "÷ 10k ref" },
    ],
    [...byServices, ...byClients.filter((r) => r.clients !== SWEEP_CLIENTS)].map((r) => [
      String(r.services),
      String(r.clients),
      String(r.groups),
      bytes(r.statisticsBytes),
      duration(r.retrainMs.p50),
      duration(r.retrainMs.min),
      duration(r.retrainMs.max),
      duration(r.retrainReferenceMs.p50),
      times(retrainRatio(r)),
    ]),
  );
  report.notes(
    `deals: simulated offers on the ${byServices[0]?.referenceClients ?? 0}-client reference bank of the same catalog, the same in every row; 7 timed runs after 1.`,
    "10k ref: retraining the reference bank's statistics, timed alternately with the row's in the same process (the ratio is taken in one run).",
  );

  report.table(
    "EASE item model at retrain (Gram matrix of uses + λI, blocked Cholesky inverse in packed Float64Array, top-k per service)",
    [
      { title: "services" },
      { title: "clients" },
      { title: "EASE CPU" },
      { title: "retrain CPU" },
      { title: "retrain wall p50" },
      { title: "peak extra RSS" },
      { title: "2 × n(n+1)/2 doubles" },
    ],
    byServices.map((r) => [
      String(r.services),
      String(r.clients),
      duration(r.easeCpuMs),
      duration(r.retrainCpuMs),
      duration(r.retrainMs.p50),
      bytes(r.retrainExtraRss),
      bytes(8 * r.services * (r.services + 1)),
    ]),
  );
  report.notes(
    "CPU: process CPU time (user + system) of one run; the machine is shared, so wall times are noisier than CPU times.",
    "peak extra RSS: process RSS sampled every 5 ms during one retrain, minus the settled RSS before it; the two packed matrices are its bulk.",
  );

  report.table(
    `Full rebuild from raw interactions (rebuildStatistics: k-means passes + accumulation; ${SWEEP_SERVICES} services)`,
    [
      { title: "clients" },
      { title: "cells" },
      { title: "input" },
      { title: "time" },
      { title: "passes" },
      { title: "per client" },
      { title: "RSS before" },
      { title: "peak RSS" },
      { title: "peak − before" },
      { title: "max RSS" },
    ],
    byClients.map((r) => [
      String(r.clients),
      String(r.cells),
      bytes(r.datasetBytes),
      duration(r.rebuildMs),
      String(r.rebuildPasses),
      duration(r.rebuildMs / r.clients),
      bytes(r.rssBeforeRebuild),
      bytes(r.rssPeakDuringRebuild),
      bytes(r.rssPeakDuringRebuild - r.rssBeforeRebuild),
      bytes(r.maxRss),
    ]),
  );
  report.notes(
    "input: typed arrays of the generated clients and interactions (in the Worker they stream from D1 pages instead).",
    "peak RSS: process RSS sampled every 5 ms by a worker thread during the rebuild; max RSS: the process high-water mark (generation included).",
  );

  const first = byClients[0];
  const last = byClients[byClients.length - 1];
  const growth = (pick: (r: TrainChildResult) => number) => ratio(pick(last), pick(first));
  if (first && last && first !== last) {
    const clientFactor = last.clients / first.clients;
    report.table(
      `Growth from ${first.clients} to ${last.clients} clients (${clientFactor}× the clients, ${SWEEP_SERVICES} services)`,
      [{ title: "measure", align: "left" }, { title: "factor" }, { title: "scales with clients?", align: "left" }],
      [
        [
          "full rebuild time",
          times(
            growth((r) => r.rebuildMs),
            1,
          ),
          "yes: linear (one pass per k-means iteration)",
        ],
        [
          "full rebuild peak RSS",
          times(
            growth((r) => r.rssPeakDuringRebuild),
            1,
          ),
          "yes: holds the raw interactions here",
        ],
        [
          "rebuild extra memory (peak − before)",
          times(
            growth((r) => r.rssPeakDuringRebuild - r.rssBeforeRebuild),
            1,
          ),
          "should not (statistics + centroids)",
        ],
        [
          "retrain from statistics (p50, vs 10k in one process)",
          times(retrainRatio(last)),
          "no: statistics have a fixed size",
        ],
        [
          "retrain from statistics (p50, across processes)",
          times(growth((r) => r.retrainMs.p50)),
          "no (timed minutes apart)",
        ],
        ["statistics size", times(growth((r) => r.statisticsBytes)), "no"],
        ["incremental update (p50)", times(growth((r) => r.updateMs.p50)), "no: O(client's interactions)"],
        [
          "incremental update + group (p50)",
          times(growth((r) => r.updateWithGroupMs.p50)),
          "no: O(groups × dimensions)",
        ],
      ],
    );
  }

  report.target({
    target: `retrain from statistics at ${last?.clients ?? "1M"} clients ≤ 1.5× at ${REFERENCE_CLIENTS}`,
    value: last && last.clients !== REFERENCE_CLIENTS ? retrainRatio(last) : Number.NaN,
    limit: 1.5,
    measured:
      last && last.clients !== REFERENCE_CLIENTS
        ? `${times(retrainRatio(last))} (p50 ${duration(last.retrainMs.p50)} vs ${duration(last.retrainReferenceMs.p50)}, alternated in one process; ${times(growth((r) => r.retrainMs.p50))} across processes)`
        : `needs a client count other than ${REFERENCE_CLIENTS}`,
  });
  const largest = byServices.reduce<TrainChildResult | undefined>(
    (best, r) => (!best || r.services > best.services ? r : best),
    undefined,
  );
  report.target({
    target: `EASE retrain at ${largest?.services ?? 2000} services ≤ 10 s CPU`,
    value: largest ? largest.retrainCpuMs / 1000 : Number.NaN,
    limit: 10,
    measured: largest
      ? `${duration(largest.retrainCpuMs)} CPU (EASE alone ${duration(largest.easeCpuMs)}; wall p50 ${duration(largest.retrainMs.p50)})`
      : "no service sweep",
  });
  report.target({
    target: `EASE retrain at ${largest?.services ?? 2000} services ≤ 64 MiB extra memory`,
    value: largest ? largest.retrainExtraRss / 2 ** 20 : Number.NaN,
    limit: 64,
    measured: largest ? `${bytes(largest.retrainExtraRss)} peak RSS above the settled baseline` : "no service sweep",
  });
  report.printTargets();
  report.finish({ seed: SEED, sweepServices: SWEEP_SERVICES, sweepClients: SWEEP_CLIENTS, results });
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exitCode = 1;
});
