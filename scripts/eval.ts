/**
 * Offline evaluation of the recommender (see docs/recommender.md).
 *
 *   npm run eval -- --data <file | ml100k-shape | demo | bank-alt> [options, see USAGE]
 *
 * Prints one table (Precision, Recall, NDCG, MAP, Hit at k and catalogue coverage) for popularity,
 * segment popularity, item-kNN (cosine), EASE, user-kNN via reference groups, exact user-kNN,
 * business links, the hybrid and the hybrid without each of its parts; then, for histories with times
 * and declines, the calibration of the ratings on held-out later offers (ECE, log loss, AUC and the
 * reliability table). Deterministic for a seed. K defaults to 5 on the bank sets (demo, bank-alt: a
 * client holds few services) and to 10 otherwise.
 */
import { parseArgs } from "node:util";
import type { Dataset } from "../src/domain/dataset";
import type { CatalogEntry, ServiceLink, SplitMethod } from "../src/domain/recommender";
import { DEFAULT_INTEREST_HALF_LIFE_DAYS, ITEM_MODELS, type ItemModel, splitDataset } from "../src/domain/recommender";
import { generateBankDataset } from "./datagen/demo";
import { generateMl100kShape } from "./datagen/ml100k-shape";
import { evaluateOfferCalibration, hasOfferHistory, type OfferCalibrationResult } from "./eval/calibration";
import { evaluateInterest, printInterestEvaluation } from "./eval/interest";
import { type FileFormat, InputFileError, loadInteractionFile, loadLinksFile } from "./eval/load";
import { evaluateMethods, METHODS, type PipelineOptions, trainHybrid } from "./eval/pipeline";

const USAGE = `usage: npm run eval -- --data <file|ml100k-shape|demo|bank-alt> [--format csv|tsv] [--users u.user]
       [--split random|temporal|leave-one-out] [--k K] [--seed 42] [--clients 3000] [--groups G]
       [--neighbours K] [--item-model auto|ease|cosine] [--ease-lambda L] [--shrink 0] [--asymmetry A]
       [--decline-weight W] [--nearest-groups 3] [--smoothing 10] [--profile-share S]
       [--user-neighbours 50] [--offers 50] [--links from,to,weight.csv] [--no-calibration] [--tune-blend]
       [--browsing] [--interest-half-life 14]
  --k             cut-off: 5 for the bank histories (demo, bank-alt), 10 otherwise
  --item-model    ease (default, the Worker's item part), cosine (asymmetric-cosine kNN), or auto: whichever
                  ranks better alone on an inner split
  --ease-lambda, --decline-weight, --profile-share, --neighbours, --asymmetry: chosen on an inner split when not given
                  (neighbours among 100, 200, 400 while n·k <= 700,000 list entries)
  --tune-blend    move the fitted blend's weights by coordinate ascent on the inner NDCG@k
  --browsing      plant website browsing (scripts/datagen/browsing.ts) and compare the hybrid without and with
                  its interest part (half-life --interest-half-life days)
  --links         business links (service codes / item ids); demo and bank-alt use their own matrix`;

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
  /** Where the links come from, for the header. */
  linksLabel: string;
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
): LoadedInput {
  if (data === "ml100k-shape") {
    const dataset = generateMl100kShape({ seed });
    const ids = Array.from({ length: dataset.nServices }, (_, i) => String(i + 1));
    return {
      label: "ml100k-shape (generated)",
      dataset,
      catalog: genericCatalog(ids),
      links: [],
      linksLabel: "none",
      bank: false,
    } satisfies LoadedInput;
  }
  if (data === "demo" || data === "bank-alt") {
    const generated = generateBankDataset({ preset: data === "demo" ? "demo" : "alt", clients, seed });
    return {
      label: `${data} (${clients} generated clients)`,
      dataset: generated.dataset,
      catalog: generated.catalog.services.map((s) => ({ code: s.code, name: s.name, category: s.category })),
      links: generated.catalog.links.map((l) => ({ from: l.from, to: l.to, weight: l.weight })),
      linksLabel: `the ${data} bank's matrix`,
      bank: true,
    } satisfies LoadedInput;
  }
  const loaded = loadInteractionFile(data, format, users);
  return {
    label: data,
    dataset: loaded.dataset,
    catalog: genericCatalog(loaded.itemIds),
    links: [],
    linksLabel: "none: pass --links",
    bank: false,
  } satisfies LoadedInput;
}

function fixed(value: number, digits = 4): string {
  return value.toFixed(digits);
}

function printCalibration(result: OfferCalibrationResult): void {
  const line = (report: OfferCalibrationResult["after"]) =>
    `ECE ${report.ece.toFixed(1)} pts, log loss ${report.logLoss.toFixed(3)}, ` +
    `AUC ${report.auc === null ? "n/a" : report.auc.toFixed(3)} (${report.samples} offers)`;
  const { after, before } = result;
  console.log("");
  console.log(`calibration on held-out offers: ${line(after)}`);
  console.log(
    `  ratings: 100·σ(map(z)), z the hybrid's blend logit, map isotonic with ${result.acceptanceMap.z.length} knots; ` +
      `linear recalibration instead: ${line(result.linear)}`,
  );
  console.log(
    `  newest 20% of each client's offers held out, ${((100 * after.accepted) / Math.max(1, after.samples)).toFixed(1)}% accepted; ` +
      "each half of the clients rated by the calibration fitted on the other half; " +
      `ranking blend alone: ${line(before)}`,
  );
  const w = result.offerBlendWeights;
  console.log(`  blend fitted on those offers directly (ranks by acceptance): ${line(result.offerBlend)}`);
  console.log(
    `  its weights on all held-out offers: intercept ${w.intercept.toFixed(3)}, item ${w.item.toFixed(3)}, ` +
      `group ${w.group.toFixed(3)}, link ${w.link.toFixed(3)}, segment ${w.segment.toFixed(3)}, ` +
      `popularity ${w.popularity.toFixed(3)}, activity ${w.activity.toFixed(3)}`,
  );
  console.log("");
  console.log("rating bucket   offers   mean rating   accepted %");
  for (const bucket of after.buckets) {
    if (bucket.count === 0) continue;
    console.log(
      [
        `${bucket.from}–${bucket.to}`.padEnd(13),
        String(bucket.count).padStart(8),
        bucket.meanRating.toFixed(1).padStart(13),
        (bucket.observedRate ?? 0).toFixed(1).padStart(12),
      ].join(" "),
    );
  }
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
      "item-model": { type: "string" },
      "ease-lambda": { type: "string" },
      shrink: { type: "string" },
      asymmetry: { type: "string" },
      "decline-weight": { type: "string" },
      links: { type: "string" },
      "no-calibration": { type: "boolean" },
      "nearest-groups": { type: "string" },
      smoothing: { type: "string" },
      "profile-share": { type: "string" },
      "user-neighbours": { type: "string" },
      offers: { type: "string" },
      "tune-blend": { type: "boolean" },
      browsing: { type: "boolean" },
      "interest-half-life": { type: "string" },
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
  if (values.links !== undefined) {
    input.links = loadLinksFile(
      values.links,
      input.catalog.map((entry) => entry.code),
    );
    input.linksLabel = values.links;
  }
  const itemModel = (values["item-model"] ?? "ease") as ItemModel | "auto";
  if (itemModel !== "auto" && !ITEM_MODELS.includes(itemModel)) {
    throw new UsageError(`--item-model must be auto or one of ${ITEM_MODELS.join(", ")}`);
  }
  const optionalNumber = (name: "ease-lambda" | "decline-weight" | "profile-share" | "asymmetry" | "neighbours") =>
    values[name] === undefined ? undefined : numberOption(values[name], name, 0, name === "neighbours");
  const k = numberOption(values.k, "k", input.bank ? 5 : 10);
  if (k < 1) throw new UsageError("--k must be >= 1");
  const options: PipelineOptions = {
    seed,
    split,
    k,
    groups: values.groups === undefined ? undefined : numberOption(values.groups, "groups", 0),
    neighbours: optionalNumber("neighbours"),
    itemModel,
    easeLambda: optionalNumber("ease-lambda"),
    shrink: numberOption(values.shrink, "shrink", 0, false),
    asymmetry: optionalNumber("asymmetry"),
    declineWeight: optionalNumber("decline-weight"),
    nearestGroups: numberOption(values["nearest-groups"], "nearest-groups", 3),
    smoothing: numberOption(values.smoothing, "smoothing", 10, false),
    profileShare: optionalNumber("profile-share"),
    userNeighbours: numberOption(values["user-neighbours"], "user-neighbours", 50),
    offersPerClient: numberOption(values.offers, "offers", 50),
    tuneBlend: values["tune-blend"] === true,
  };

  const started = performance.now();
  const { train, test } = splitDataset(input.dataset, split, { seed });
  if (test.items.length === 0) {
    throw new DataError(`the ${split} split left no held-out positives: too few positives per client to evaluate`);
  }
  const hybrid = trainHybrid(train, input.catalog, input.links, options);
  const results = evaluateMethods(train, test, hybrid, k, options);
  const calibration: OfferCalibrationResult | null =
    !values["no-calibration"] && hasOfferHistory(input.dataset)
      ? evaluateOfferCalibration(input.dataset, input.catalog, input.links, options, hybrid)
      : null;
  const interest = values.browsing
    ? evaluateInterest(train, test, hybrid.model, {
        k,
        seed,
        halfLifeDays: numberOption(
          values["interest-half-life"],
          "interest-half-life",
          DEFAULT_INTEREST_HALF_LIFE_DAYS,
          false,
        ),
      })
    : null;
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
      `groups ${hybrid.model.nGroups}, nearest groups ${options.nearestGroups}, neighbours ${hybrid.items.neighbours}, ` +
      `item model ${hybrid.items.itemModel}${options.itemModel === "auto" ? " (auto)" : ""}, shrink ${options.shrink}, asymmetry ${hybrid.items.asymmetry}`,
  );
  console.log(`business links: ${input.links.length} (${input.linksLabel})`);
  const items = hybrid.items;
  const scoreList = (list: Array<{ value: number; ndcg: number }>) =>
    list.map((c) => `${c.value} (inner item NDCG@${k} ${c.ndcg.toFixed(4)})`).join(", ");
  console.log(
    `${items.itemModelScores.length ? `item model ${items.itemModel} of: ${items.itemModelScores.map((c) => `${c.value} (inner item NDCG@${k} ${c.ndcg.toFixed(4)})`).join(", ")}; ` : ""}` +
      `EASE λ ${items.easeLambda} × mean uses per service${items.lambdaScores.length ? ` of: ${scoreList(items.lambdaScores)}` : ""}; ` +
      `decline weight ${items.declineWeight}${items.declineScores.length ? ` of: ${scoreList(items.declineScores)}` : ""}` +
      `${items.neighbourScores.length ? `; neighbours ${items.neighbours} of: ${scoreList(items.neighbourScores)}` : ""}` +
      `${items.asymmetryScores.length ? `; kNN asymmetry ${items.asymmetry} of: ${scoreList(items.asymmetryScores)}` : ""}`,
  );
  const weights = (blend: typeof hybrid.model.blend) =>
    `intercept ${blend.intercept.toFixed(3)}, item ${blend.item.toFixed(3)}, group ${blend.group.toFixed(3)}, ` +
    `link ${blend.link.toFixed(3)}, segment ${blend.segment.toFixed(3)}, popularity ${blend.popularity.toFixed(3)}, ` +
    `activity ${blend.activity.toFixed(3)}`;
  console.log(
    `blend fitted on ${hybrid.deals} simulated deals (${hybrid.dealsAccepted} accepted): ${weights(hybrid.fittedBlend)}`,
  );
  const search = hybrid.blendSearch;
  if (options.tuneBlend) {
    console.log(
      `hybrid blend after the ranking search on the inner split (${search.steps} steps, inner NDCG@${k} ` +
        `${search.fitted.toFixed(4)} → ${search.tuned.toFixed(4)}): ${weights(hybrid.model.blend)}`,
    );
  }
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
  if (calibration) printCalibration(calibration);
  if (interest) printInterestEvaluation(interest, k);
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
