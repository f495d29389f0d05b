/**
 * Offline evaluation of the recommender (see docs/recommender.md).
 *
 *   npm run eval -- --data <file | ml100k-shape | demo | bank-alt> [--format csv|tsv] [--users u.user]
 *                   [--split random|temporal|leave-one-out] [--k K] [--seed 42] [--clients 3000]
 *                   [--groups G] [--neighbours 100] [--shrink 0] [--nearest-groups 3] [--smoothing 10]
 *                   [--profile-share 0.3] [--user-neighbours 50] [--offers 50]
 *
 * Prints one table (Precision, Recall, NDCG, MAP, Hit at k and catalogue coverage) for popularity,
 * segment popularity, item-kNN, user-kNN via reference groups, exact user-kNN and the hybrid.
 * Deterministic for a seed. K defaults to 5 on the bank sets (demo, bank-alt: a client holds few
 * services) and to 10 otherwise.
 */
import { parseArgs } from "node:util";
import type { Dataset } from "../src/domain/dataset";
import type { CatalogEntry, ServiceLink, SplitMethod } from "../src/domain/recommender";
import { splitDataset } from "../src/domain/recommender";
import { generateBankDataset } from "./datagen/demo";
import { generateMl100kShape } from "./datagen/ml100k-shape";
import { type FileFormat, InputFileError, loadInteractionFile } from "./eval/load";
import { evaluateMethods, METHODS, type PipelineOptions, trainHybrid } from "./eval/pipeline";

const USAGE = `usage: npm run eval -- --data <file|ml100k-shape|demo|bank-alt> [--format csv|tsv] [--users u.user]
       [--split random|temporal|leave-one-out] [--k K (default 5 on demo/bank-alt, 10 otherwise)]
       [--seed 42] [--clients 3000] [--groups G]
       [--neighbours 100] [--shrink 0] [--nearest-groups 3] [--smoothing 10] [--profile-share 0.3]
       [--user-neighbours 50] [--offers 50]`;

class UsageError extends Error {}
/** The data cannot be evaluated as asked. */
class DataError extends Error {}

function numberOption(raw: string | undefined, name: string, fallback: number, integer = true): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${name} must be ${integer ? "an integer" : "a number"}, got "${raw}"`);
  }
  return value;
}

interface LoadedInput {
  label: string;
  dataset: Dataset;
  catalog: CatalogEntry[];
  links: ServiceLink[];
  bank: boolean;
}

function genericCatalog(ids: readonly string[]): CatalogEntry[] {
  return ids.map((id) => ({ code: id, name: `item ${id}`, category: "item" }));
}

function loadInput(
  data: string,
  format: FileFormat | undefined,
  users: string | undefined,
  clients: number,
  seed: number,
) {
  if (data === "ml100k-shape") {
    const dataset = generateMl100kShape({ seed });
    const ids = Array.from({ length: dataset.nServices }, (_, i) => String(i + 1));
    return { label: "ml100k-shape (generated)", dataset, catalog: genericCatalog(ids), links: [], bank: false };
  }
  if (data === "demo" || data === "bank-alt") {
    const generated = generateBankDataset({ preset: data === "demo" ? "demo" : "alt", clients, seed });
    return {
      label: `${data} (${clients} generated clients)`,
      dataset: generated.dataset,
      catalog: generated.catalog.services.map((s) => ({ code: s.code, name: s.name, category: s.category })),
      links: generated.catalog.links.map((l) => ({ from: l.from, to: l.to, weight: l.weight })),
      bank: true,
    } satisfies LoadedInput;
  }
  const loaded = loadInteractionFile(data, format, users);
  return {
    label: data,
    dataset: loaded.dataset,
    catalog: genericCatalog(loaded.itemIds),
    links: [],
    bank: false,
  } satisfies LoadedInput;
}

function fixed(value: number, digits = 4): string {
  return value.toFixed(digits);
}

function main(): void {
  const { values } = parseArgs({
    options: {
      data: { type: "string" },
      format: { type: "string" },
      users: { type: "string" },
      split: { type: "string", default: "random" },
      k: { type: "string" },
      seed: { type: "string" },
      clients: { type: "string" },
      groups: { type: "string" },
      neighbours: { type: "string" },
      shrink: { type: "string" },
      "nearest-groups": { type: "string" },
      smoothing: { type: "string" },
      "profile-share": { type: "string" },
      "user-neighbours": { type: "string" },
      offers: { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  if (!values.data) throw new UsageError("--data is required");
  if (values.format !== undefined && values.format !== "csv" && values.format !== "tsv") {
    throw new UsageError("--format must be csv or tsv");
  }
  const split = values.split as SplitMethod;
  if (!["random", "temporal", "leave-one-out"].includes(split)) {
    throw new UsageError("--split must be random, temporal or leave-one-out");
  }
  const seed = numberOption(values.seed, "seed", 42);
  const clients = numberOption(values.clients, "clients", 3000);
  const input = loadInput(values.data, values.format as FileFormat | undefined, values.users, clients, seed);
  const k = numberOption(values.k, "k", input.bank ? 5 : 10);
  if (k < 1) throw new UsageError("--k must be >= 1");
  const options: PipelineOptions = {
    seed,
    split,
    k,
    groups: values.groups === undefined ? undefined : numberOption(values.groups, "groups", 0),
    neighbours: numberOption(values.neighbours, "neighbours", 100),
    shrink: numberOption(values.shrink, "shrink", 0, false),
    nearestGroups: numberOption(values["nearest-groups"], "nearest-groups", 3),
    smoothing: numberOption(values.smoothing, "smoothing", 10, false),
    profileShare:
      values["profile-share"] === undefined
        ? undefined
        : numberOption(values["profile-share"], "profile-share", 0, false),
    userNeighbours: numberOption(values["user-neighbours"], "user-neighbours", 50),
    offersPerClient: numberOption(values.offers, "offers", 50),
  };

  const started = performance.now();
  const { train, test } = splitDataset(input.dataset, split, { seed });
  if (test.items.length === 0) {
    throw new DataError(`the ${split} split left no held-out positives: too few positives per client to evaluate`);
  }
  const hybrid = trainHybrid(train, input.catalog, input.links, options);
  const results = evaluateMethods(train, test, hybrid, k, options);
  const seconds = (performance.now() - started) / 1000;

  const d = input.dataset;
  const cells = d.interactions.rowPtr[d.clients.count] - d.interactions.rowPtr[0];
  let positives = 0;
  for (let i = 0; i < d.interactions.value.length; i++) if (d.interactions.value[i] > 0) positives++;
  console.log(
    `data: ${input.label}: ${d.clients.count} clients × ${d.nServices} services, ${cells} cells (${positives} positive)`,
  );
  console.log(
    `split: ${split}, seed ${seed}; ${test.items.length} held-out positives; k = ${k}; ` +
      `groups ${hybrid.model.nGroups}, neighbours ${options.neighbours}, shrink ${options.shrink}`,
  );
  const blend = hybrid.model.blend;
  console.log(
    `hybrid blend (${hybrid.model.calibration.source}, ${hybrid.deals} simulated deals, ${hybrid.dealsAccepted} accepted): ` +
      `intercept ${blend.intercept.toFixed(3)}, item ${blend.item.toFixed(3)}, group ${blend.group.toFixed(3)}, ` +
      `link ${blend.link.toFixed(3)}, segment ${blend.segment.toFixed(3)}, popularity ${blend.popularity.toFixed(3)}, ` +
      `activity ${blend.activity.toFixed(3)}`,
  );
  const shares = hybrid.profileShareScores
    .map((c) =>
      Number.isNaN(c.ndcg) ? `${c.profileShare}` : `${c.profileShare} (inner NDCG@${k} ${c.ndcg.toFixed(4)})`,
    )
    .join(", ");
  console.log(`profile share ${hybrid.space.profileShare} of: ${shares}`);
  console.log("");
  const header = [
    "method".padEnd(22),
    `P@${k}`.padStart(8),
    `R@${k}`.padStart(8),
    `NDCG@${k}`.padStart(8),
    `MAP@${k}`.padStart(8),
    `Hit@${k}`.padStart(8),
    "Coverage".padStart(9),
  ].join(" ");
  console.log(header);
  console.log("-".repeat(header.length));
  for (const method of METHODS) {
    const r = results.get(method);
    if (!r) continue;
    console.log(
      [
        method.padEnd(22),
        fixed(r.precision).padStart(8),
        fixed(r.recall).padStart(8),
        fixed(r.ndcg).padStart(8),
        fixed(r.map).padStart(8),
        fixed(r.hit).padStart(8),
        fixed(r.coverage).padStart(9),
      ].join(" "),
    );
  }
  const evaluatedUsers = results.get("hybrid")?.users ?? 0;
  console.log("");
  console.log(`${evaluatedUsers} clients evaluated; total ${seconds.toFixed(1)} s`);
  if (input.bank) {
    const hybridResult = results.get("hybrid");
    const segment = results.get("segment popularity");
    if (hybridResult && segment) {
      const ratio = (a: number, b: number) => (b > 0 ? (a / b).toFixed(3) : "n/a");
      console.log(
        `hybrid / segment popularity: NDCG@${k} ${ratio(hybridResult.ndcg, segment.ndcg)}, ` +
          `MAP@${k} ${ratio(hybridResult.map, segment.map)}`,
      );
    }
  }
}

try {
  main();
} catch (error) {
  if (
    error instanceof UsageError ||
    error instanceof DataError ||
    error instanceof InputFileError ||
    error instanceof RangeError
  ) {
    console.error(`eval: ${error.message}`);
    if (error instanceof UsageError) console.error(USAGE);
    process.exit(2);
  }
  throw error;
}
