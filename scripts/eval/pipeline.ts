/**
 * The evaluation pipeline: train every method through the same domain code the Worker uses (full
 * rebuild of the statistics, trainFromStatistics, scoreClient), then rank the unseen services of
 * every test client and average the metrics.
 */
import type { Dataset } from "../../src/domain/dataset";
import {
  type BlendWeights,
  type CatalogEntry,
  DEFAULT_BLEND,
  DEFAULT_TRAINING_CONFIG,
  type DealSample,
  datasetClient,
  type EvaluationSummary,
  ExactUserKnn,
  type FeatureSpace,
  featureSpaceFromDataset,
  fitBlend,
  type HeldOut,
  type ItemModel,
  MetricsAccumulator,
  type RecommenderModel,
  rebuildStatistics,
  type ServiceLink,
  type SplitMethod,
  scoreClient,
  simulateOfferDeals,
  splitDataset,
  trainFromStatistics,
} from "../../src/domain/recommender";

export interface PipelineOptions {
  seed: number;
  split: SplitMethod;
  /** Cut-off of the evaluation (also used to choose the profile share on the inner split). */
  k: number;
  /** Reference groups (default: the rebuild's default for the client count). */
  groups?: number;
  /** Kept neighbours per service; default: chosen on the inner split among NEIGHBOUR_CANDIDATES. */
  neighbours?: number;
  /** Item model of the hybrid's item part; "auto": the better item part alone on the inner split. */
  itemModel: ItemModel | "auto";
  /** EASE λ relative to the mean uses per service; default: chosen on the inner split among EASE_LAMBDA_CANDIDATES. */
  easeLambda?: number;
  shrink: number;
  /** Asymmetric-cosine α of the item-kNN variant; default: chosen on the inner split among ASYMMETRY_CANDIDATES. */
  asymmetry?: number;
  /** Weight of declined services' neighbours; default: chosen on the inner split among DECLINE_WEIGHT_CANDIDATES. */
  declineWeight?: number;
  nearestGroups: number;
  smoothing: number;
  /** Profile share of the client vector; default: chosen on the inner split among PROFILE_SHARE_CANDIDATES. */
  profileShare?: number;
  /** Neighbours of the exact user-kNN baseline. */
  userNeighbours: number;
  /** Offers per client when simulating deals for the blend fit. */
  offersPerClient: number;
  /**
   * Moves the fitted blend's part weights by coordinate ascent on the inner NDCG@k (searchRankingBlend).
   * Off by default: on the bank histories the gain on the inner split did not carry over (see docs).
   */
  tuneBlend?: boolean;
}

/**
 * Profile shares tried when none is given: how much demographics say about behaviour differs
 * between data sets (a lot in bank data, little in MovieLens), so it is chosen on validation data.
 */
export const PROFILE_SHARE_CANDIDATES = [0.1, 0.3, 0.5] as const;

/** EASE λ / mean uses per service tried on the inner split (Steck's λ = 500 on ML-20M is ≈ 0.5 of its mean). */
export const EASE_LAMBDA_CANDIDATES = [0.25, 1, 2, 4, 8, 16, 32, 64, 256] as const;

/** Decline weights tried on the inner split when the data has declines. */
export const DECLINE_WEIGHT_CANDIDATES = [0, 0.25, 0.5, 1] as const;

/** The item-part settings chosen on the inner split, with the inner item-only NDCG@k of each candidate. */
export interface ItemSelection extends ItemSettings {
  /** Inner item-only NDCG@k of the best EASE and of the cosine item-kNN (auto only). */
  itemModelScores: Array<{ value: ItemModel; ndcg: number }>;
  lambdaScores: Array<{ value: number; ndcg: number }>;
  declineScores: Array<{ value: number; ndcg: number }>;
  neighbourScores: Array<{ value: number; ndcg: number }>;
  asymmetryScores: Array<{ value: number; ndcg: number }>;
}

export interface TrainedHybrid {
  space: FeatureSpace;
  model: RecommenderModel;
  /** The same statistics with each item model as item part, for the comparison rows. */
  itemModels: Record<ItemModel, RecommenderModel>;
  items: ItemSelection;
  deals: number;
  dealsAccepted: number;
  /** Inner-validation NDCG@k of each profile share tried. */
  profileShareScores: Array<{ profileShare: number; ndcg: number }>;
  /** The blend fitted by logistic regression on the simulated deals (before the ranking search). */
  fittedBlend: BlendWeights;
  /** Inner NDCG@k of the fitted blend and of the blend the coordinate search ended with. */
  blendSearch: { fitted: number; tuned: number; steps: number };
  seconds: { selection: number; rebuild: number; train: number };
}

/** Latest interaction time of a dataset (the evaluation's "now"), or a fixed epoch without times. */
export function datasetNow(dataset: Dataset): number {
  const time = dataset.interactions.time;
  let now = 0;
  if (time) for (let i = 0; i < time.length; i++) if (time[i] > now) now = time[i];
  return now + 1;
}

/** Training options of the pipeline for one item model and item settings. */
function trainOptionsOf(
  options: PipelineOptions,
  version: string,
  trainedAt: number,
  itemModel: ItemModel,
  items: Omit<ItemSettings, "itemModel">,
) {
  return {
    version,
    trainedAt,
    neighbours: items.neighbours,
    itemModel,
    easeLambda: items.easeLambda,
    shrink: options.shrink,
    asymmetry: items.asymmetry,
    declineWeight: items.declineWeight,
    nearestGroups: options.nearestGroups,
    smoothing: options.smoothing,
  };
}

/** The item-part settings a model is trained with. */
export interface ItemSettings {
  itemModel: ItemModel;
  easeLambda: number;
  declineWeight: number;
  /** Kept neighbours (EASE weights or kNN similarities) per service. */
  neighbours: number;
  /** Asymmetric-cosine α of the kNN item model. */
  asymmetry: number;
}

/** Full rebuild + training of a model on a dataset (the Worker's path). */
export function trainModel(
  train: Dataset,
  space: FeatureSpace,
  catalog: readonly CatalogEntry[],
  links: readonly ServiceLink[],
  options: PipelineOptions,
  items: ItemSettings,
  deals: readonly DealSample[],
  version: string,
): RecommenderModel {
  const rebuild = rebuildStatistics(train, space, { groups: options.groups, seed: options.seed });
  return trainFromStatistics(
    rebuild.stats,
    catalog,
    links,
    trainOptionsOf(options, version, datasetNow(train), items.itemModel, items),
    deals,
  );
}

const ITEM_ONLY: BlendWeights = { intercept: 0, item: 1, group: 0, link: 0, segment: 0, popularity: 0, activity: 0 };

/**
 * Kept neighbours tried on the inner split when none is given: longer lists for a smaller
 * catalogue (pruning EASE to 100 weights costs ranking quality on MovieLens-sized catalogues), as
 * long as n·k stays within NEIGHBOUR_BUDGET list entries: 16 bytes each in the artefact (forward and
 * transposed lists), about 11 MiB, well inside KV's 25 MiB value limit.
 */
export const NEIGHBOUR_CANDIDATES = [100, 200, 400] as const;
export const NEIGHBOUR_BUDGET = 700_000;

/** Asymmetric-cosine α tried for the kNN item model when none is given (0.5 = plain cosine). */
export const ASYMMETRY_CANDIDATES = [0.3, 0.4, 0.5, 0.65] as const;

/** Keeps the best-scoring candidate: scores every value, records it, returns the winner (ties: the first). */
function chooseBest<T>(
  values: readonly T[],
  score: (value: T) => number,
  record: Array<{ value: T; ndcg: number }>,
): T {
  let best = values[0];
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const value of values) {
    const ndcg = score(value);
    record.push({ value, ndcg });
    if (ndcg > bestScore) {
      bestScore = ndcg;
      best = value;
    }
  }
  return best;
}

/**
 * Chooses the item-part settings on the inner split by item-only NDCG@k, in this order: EASE's λ,
 * the kNN's asymmetry α (cosine or auto), the item model (auto), the kept neighbours k of the chosen
 * model (within the artefact budget), the decline weight. The Gram matrix does not depend on the
 * profile share, so one rebuild serves every candidate. Given values are kept.
 */
function selectItemSettings(
  inner: { train: Dataset; test: HeldOut },
  space: FeatureSpace,
  catalog: readonly CatalogEntry[],
  options: PipelineOptions,
): ItemSelection {
  const n = inner.train.nServices;
  let hasDeclines = false;
  for (let i = 0; i < inner.train.interactions.value.length && !hasDeclines; i++) {
    hasDeclines = inner.train.interactions.value[i] < 0;
  }
  const selection: ItemSelection = {
    itemModel: options.itemModel === "auto" ? "ease" : options.itemModel,
    easeLambda: options.easeLambda ?? DEFAULT_TRAINING_CONFIG.easeLambda,
    declineWeight: options.declineWeight ?? (hasDeclines ? DEFAULT_TRAINING_CONFIG.declineWeight : 0),
    neighbours: options.neighbours ?? DEFAULT_TRAINING_CONFIG.neighbours,
    asymmetry: options.asymmetry ?? DEFAULT_TRAINING_CONFIG.asymmetry,
    itemModelScores: [],
    lambdaScores: [],
    declineScores: [],
    neighbourScores: [],
    asymmetryScores: [],
  };
  const usesEase = options.itemModel !== "cosine";
  const usesCosine = options.itemModel !== "ease";
  const neighbourCandidates =
    options.neighbours === undefined
      ? NEIGHBOUR_CANDIDATES.filter(
          (k) => k === DEFAULT_TRAINING_CONFIG.neighbours || (k < n && n * k <= NEIGHBOUR_BUDGET),
        )
      : [];
  const needs = {
    lambda: usesEase && options.easeLambda === undefined,
    asymmetry: usesCosine && options.asymmetry === undefined,
    neighbours: neighbourCandidates.length > 1,
    decline: options.declineWeight === undefined && hasDeclines,
  };
  if (options.itemModel !== "auto" && !needs.lambda && !needs.asymmetry && !needs.neighbours && !needs.decline) {
    return selection;
  }
  const stats = rebuildStatistics(inner.train, space, { groups: 0, seed: options.seed }).stats;
  const now = datasetNow(inner.train);
  const train = (itemModel: ItemModel, settings: Partial<ItemSettings> = {}) =>
    trainFromStatistics(
      stats,
      catalog,
      [],
      trainOptionsOf(options, "inner-items", now, itemModel, { ...selection, ...settings }),
    );
  const itemNdcg = (model: RecommenderModel) => meanNdcg(model, inner.train, inner.test, options.k, ITEM_ONLY);
  const scoreOf = (list: Array<{ value: number; ndcg: number }>, value: number) =>
    list.find((c) => c.value === value)?.ndcg ?? Number.NEGATIVE_INFINITY;
  // λ is chosen with the longest lists allowed (pruning and regularisation interact), k after it.
  const longest = neighbourCandidates.length ? Math.max(...neighbourCandidates) : selection.neighbours;
  const neighbourScores: Record<ItemModel, Array<{ value: number; ndcg: number }>> = { ease: [], cosine: [] };
  let ease = { neighbours: selection.neighbours, ndcg: Number.NEGATIVE_INFINITY };
  if (usesEase) {
    if (needs.lambda) {
      selection.easeLambda = chooseBest(
        EASE_LAMBDA_CANDIDATES,
        (easeLambda) => itemNdcg(train("ease", { easeLambda, neighbours: longest })),
        selection.lambdaScores,
      );
    }
    const scores = neighbourScores.ease;
    const neighbours = needs.neighbours
      ? chooseBest(neighbourCandidates, (k) => itemNdcg(train("ease", { neighbours: k })), scores)
      : selection.neighbours;
    ease = { neighbours, ndcg: needs.neighbours ? scoreOf(scores, neighbours) : itemNdcg(train("ease")) };
  }
  let cosine = { neighbours: selection.neighbours, ndcg: Number.NEGATIVE_INFINITY };
  if (usesCosine) {
    if (needs.asymmetry) {
      selection.asymmetry = chooseBest(
        ASYMMETRY_CANDIDATES,
        (asymmetry) => itemNdcg(train("cosine", { asymmetry })),
        selection.asymmetryScores,
      );
    }
    const scores = neighbourScores.cosine;
    const neighbours = needs.neighbours
      ? chooseBest(neighbourCandidates, (k) => itemNdcg(train("cosine", { neighbours: k })), scores)
      : selection.neighbours;
    cosine = { neighbours, ndcg: needs.neighbours ? scoreOf(scores, neighbours) : itemNdcg(train("cosine")) };
  }
  if (options.itemModel === "auto") {
    selection.itemModelScores = [
      { value: "ease", ndcg: ease.ndcg },
      { value: "cosine", ndcg: cosine.ndcg },
    ];
    selection.itemModel = cosine.ndcg > ease.ndcg ? "cosine" : "ease";
  }
  selection.neighbours = selection.itemModel === "ease" ? ease.neighbours : cosine.neighbours;
  selection.neighbourScores = neighbourScores[selection.itemModel];
  if (needs.decline) {
    const base = train(selection.itemModel);
    selection.declineWeight = chooseBest(
      DECLINE_WEIGHT_CANDIDATES,
      (declineWeight) => itemNdcg({ ...base, config: { ...base.config, declineWeight } }),
      selection.declineScores,
    );
  }
  return selection;
}

/** Mean NDCG@k of a model (under a blend) on held-out positives. */
function meanNdcg(model: RecommenderModel, train: Dataset, test: HeldOut, k: number, blend: BlendWeights): number {
  const metrics = new MetricsAccumulator(k, train.nServices);
  const relevant = new Uint8Array(train.nServices);
  const now = datasetNow(train);
  for (let row = 0; row < train.clients.count; row++) {
    const start = test.ptr[row];
    const end = test.ptr[row + 1];
    if (start === end) continue;
    for (let i = start; i < end; i++) relevant[test.items[i]] = 1;
    const ranked = scoreClient(model, datasetClient(train, row), {
      now,
      limit: k,
      declineCooldownMs: Number.POSITIVE_INFINITY,
      blend,
      reasons: false,
    });
    metrics.add(
      ranked.map((r) => r.service),
      (item) => relevant[item] === 1,
      end - start,
    );
    for (let i = start; i < end; i++) relevant[test.items[i]] = 0;
  }
  return metrics.summary().ndcg;
}

/**
 * Trains the hybrid. An inner split of the training data provides simulated deals (offers of each
 * inner client's top services, accepted when the client does use them); for every candidate
 * profile share a model is trained on the inner training part, the blend is fitted on its deals
 * and scored on the inner held-out positives. The best share wins; the final model is rebuilt on
 * all training data with that share and fitted on that share's deals.
 */
export function trainHybrid(
  train: Dataset,
  catalog: readonly CatalogEntry[],
  links: readonly ServiceLink[],
  options: PipelineOptions,
): TrainedHybrid {
  const started = performance.now();
  const weights = featureSpaceFromDataset(train).blockWeights;
  const hasProfile = Object.values(weights).some((w) => w > 0);
  // Without profile data (e.g. MovieLens u.data alone) the share changes nothing: skip the search.
  const candidates =
    options.profileShare !== undefined
      ? [options.profileShare]
      : hasProfile
        ? [...PROFILE_SHARE_CANDIDATES]
        : [PROFILE_SHARE_CANDIDATES[0]];
  // Leave-one-out would leave one positive per client: too few accepted offers to fit on.
  const innerMethod = options.split === "leave-one-out" ? "random" : options.split;
  const inner = splitDataset(train, innerMethod, { seed: options.seed + 1 });
  const now = datasetNow(train);
  const items = selectItemSettings(inner, featureSpaceFromDataset(train), catalog, options);
  let best: { space: FeatureSpace; deals: DealSample[]; ndcg: number; model: RecommenderModel } | null = null;
  const profileShareScores: TrainedHybrid["profileShareScores"] = [];
  for (const profileShare of candidates) {
    const space = featureSpaceFromDataset(train, { profileShare });
    const innerModel = trainModel(inner.train, space, catalog, links, options, items, [], "inner");
    // Two rounds, as on the platform: the first offers follow the default blend, the second the
    // blend fitted on the first round's outcomes.
    const deals = simulateOfferDeals(innerModel, inner.train, inner.test, {
      now,
      offersPerClient: options.offersPerClient,
      rounds: 2,
    });
    let ndcg = Number.NaN;
    if (candidates.length > 1) {
      const blend = fitBlend(deals).blend;
      ndcg = meanNdcg(innerModel, inner.train, inner.test, options.k, blend);
    }
    profileShareScores.push({ profileShare, ndcg });
    if (!best || ndcg > best.ndcg) best = { space, deals, ndcg, model: innerModel };
  }
  if (!best) throw new Error("no profile share candidate");
  const fittedBlend = fitBlend(best.deals).blend;
  const innerModel = best.model;
  const hasLinks = innerModel.linkPtr[innerModel.nServices] > 0;
  const search = options.tuneBlend
    ? searchRankingBlend(
        fittedBlend,
        (blend) => meanNdcg(innerModel, inner.train, inner.test, options.k, blend),
        RANKING_PARTS.filter((part) => part !== "link" || hasLinks),
      )
    : { blend: fittedBlend, start: Number.NaN, score: Number.NaN, steps: 0 };
  const selected = performance.now();
  const rebuild = rebuildStatistics(train, best.space, { groups: options.groups, seed: options.seed });
  const rebuilt = performance.now();
  const model = trainFromStatistics(
    rebuild.stats,
    catalog,
    links,
    trainOptionsOf(options, "eval", now, items.itemModel, items),
    best.deals,
  );
  // With --tune-blend the weights the coordinate search found on the inner split rank the final model.
  model.blend = search.blend;
  const trained = performance.now();
  const other: ItemModel = items.itemModel === "ease" ? "cosine" : "ease";
  const otherModel = trainFromStatistics(
    rebuild.stats,
    catalog,
    links,
    trainOptionsOf(options, `eval-${other}`, now, other, items),
    best.deals,
  );
  const itemModels = { [items.itemModel]: model, [other]: otherModel } as Record<ItemModel, RecommenderModel>;
  return {
    space: best.space,
    model,
    itemModels,
    items,
    deals: best.deals.length,
    dealsAccepted: best.deals.filter((d) => d.accepted).length,
    profileShareScores,
    fittedBlend,
    blendSearch: { fitted: search.start, tuned: search.score, steps: search.steps },
    seconds: {
      selection: (selected - started) / 1000,
      rebuild: (rebuilt - selected) / 1000,
      train: (trained - rebuilt) / 1000,
    },
  };
}

/** Part weights the ranking search moves (the intercept and activity never change a client's order). */
const RANKING_PARTS = ["item", "group", "link", "segment", "popularity"] as const;
/** Multiplicative steps of the search, and the value a zero weight is tried at relative to the largest. */
const SEARCH_FACTORS = [0, 0.5, 0.75, 1.33, 2] as const;
const SEARCH_FROM_ZERO = 0.1;

/**
 * Coordinate ascent of the blend's part weights on a ranking score (inner NDCG@k): each pass tries
 * every part at a few multiples of its weight (a zero weight at a tenth of the largest) and keeps a
 * change that raises the score by more than 1e-4; stops after a pass without one (at most 4).
 * Deterministic. Weights stay >= 0, so the rating stays monotone in every part.
 */
export function searchRankingBlend(
  start: BlendWeights,
  score: (blend: BlendWeights) => number,
  parts: ReadonlyArray<(typeof RANKING_PARTS)[number]> = RANKING_PARTS,
): { blend: BlendWeights; start: number; score: number; steps: number } {
  let blend = { ...start };
  const initial = score(blend);
  let best = initial;
  let steps = 0;
  for (let pass = 0; pass < 4; pass++) {
    let improved = false;
    for (const part of parts) {
      const largest = Math.max(...RANKING_PARTS.map((name) => blend[name]));
      const current = blend[part];
      const values = current > 0 ? SEARCH_FACTORS.map((f) => f * current) : [SEARCH_FROM_ZERO * largest, 0.5 * largest];
      let chosen = current;
      for (const value of values) {
        if (value === current || !(value >= 0)) continue;
        const candidate = score({ ...blend, [part]: value });
        if (candidate > best + 1e-4) {
          best = candidate;
          chosen = value;
        }
      }
      if (chosen !== current) {
        blend = { ...blend, [part]: chosen };
        improved = true;
        steps++;
      }
    }
    if (!improved) break;
  }
  return { blend, start: initial, score: best, steps };
}

const ZERO_BLEND: BlendWeights = { intercept: 0, item: 0, group: 0, link: 0, segment: 0, popularity: 0, activity: 0 };

/**
 * The evaluated methods. Every one but the exact user-kNN is `scoreClient` with a blend; the rows
 * "hybrid − <part>" drop one part from the fitted blend (no refit), which shows what the part adds.
 */
export const METHODS = [
  "popularity",
  "segment popularity",
  "item-kNN (cosine)",
  "item (EASE)",
  "user-kNN (groups)",
  "user-kNN (exact)",
  "business links",
  "hybrid (default blend)",
  "hybrid",
  "hybrid − item",
  "hybrid − groups",
  "hybrid − links",
  "hybrid − segment",
] as const;
export type MethodName = (typeof METHODS)[number];

/** The blend and the model a method ranks with (null: the exact user-kNN, not a blend). */
function blendOf(method: MethodName, hybrid: TrainedHybrid): { blend: BlendWeights; model: RecommenderModel } | null {
  const model = hybrid.model;
  switch (method) {
    case "popularity":
      return { model, blend: { ...ZERO_BLEND, popularity: 1 } };
    case "segment popularity":
      // The blend takes group and segment as lifts over popularity: lift + popularity = the rate itself.
      return { model, blend: { ...ZERO_BLEND, segment: 1, popularity: 1 } };
    case "item-kNN (cosine)":
      return { model: hybrid.itemModels.cosine, blend: { ...ZERO_BLEND, item: 1 } };
    case "item (EASE)":
      return { model: hybrid.itemModels.ease, blend: { ...ZERO_BLEND, item: 1 } };
    case "user-kNN (groups)":
      return { model, blend: { ...ZERO_BLEND, group: 1, popularity: 1 } };
    case "business links":
      // Link strength first, overall popularity only breaks its ties.
      return { model, blend: { ...ZERO_BLEND, link: 100, popularity: 1 } };
    case "hybrid (default blend)":
      return { model, blend: DEFAULT_BLEND };
    case "hybrid":
      return { model, blend: model.blend };
    case "hybrid − item":
      return { model, blend: { ...model.blend, item: 0 } };
    case "hybrid − groups":
      // Without the group lift the group term is popularity again: w_p·P stays.
      return { model, blend: { ...model.blend, group: 0 } };
    case "hybrid − links":
      return { model, blend: { ...model.blend, link: 0 } };
    case "hybrid − segment":
      return { model, blend: { ...model.blend, segment: 0 } };
    case "user-kNN (exact)":
      return null;
  }
}

/** Ranks the unseen services of every test client with every method at cut-off k. */
export function evaluateMethods(
  train: Dataset,
  test: HeldOut,
  hybrid: TrainedHybrid,
  k: number,
  options: PipelineOptions,
): Map<MethodName, EvaluationSummary & { seconds: number }> {
  const n = train.nServices;
  const now = datasetNow(train);
  const results = new Map<MethodName, EvaluationSummary & { seconds: number }>();
  const relevant = new Uint8Array(n);
  const isRelevant = (item: number) => relevant[item] === 1;
  const exact = new ExactUserKnn(train, hybrid.space, options.userNeighbours);
  const scores = new Float64Array(n);
  const seen = new Uint8Array(n);
  const ranked = new Int32Array(k);
  for (const method of METHODS) {
    const started = performance.now();
    const metrics = new MetricsAccumulator(k, n);
    if (method === "business links" && hybrid.model.linkPtr[n] === 0) continue;
    if (method === "hybrid − links" && hybrid.model.linkPtr[n] === 0) continue;
    const scorer = blendOf(method, hybrid);
    if (!scorer && method !== "user-kNN (exact)") continue;
    for (let row = 0; row < train.clients.count; row++) {
      const start = test.ptr[row];
      const end = test.ptr[row + 1];
      if (start === end) continue;
      for (let i = start; i < end; i++) relevant[test.items[i]] = 1;
      if (scorer) {
        const recommendations = scoreClient(scorer.model, datasetClient(train, row), {
          now,
          limit: k,
          declineCooldownMs: Number.POSITIVE_INFINITY,
          blend: scorer.blend,
          reasons: false,
        });
        metrics.add(
          recommendations.map((r) => r.service),
          isRelevant,
          end - start,
        );
      } else {
        exact.scoreInto(row, scores);
        const r = train.interactions;
        for (let i = r.rowPtr[row]; i < r.rowPtr[row + 1]; i++) seen[r.col[i]] = 1;
        const count = topK(scores, seen, k, ranked);
        for (let i = r.rowPtr[row]; i < r.rowPtr[row + 1]; i++) seen[r.col[i]] = 0;
        metrics.add(ranked.subarray(0, count), isRelevant, end - start);
      }
      for (let i = start; i < end; i++) relevant[test.items[i]] = 0;
    }
    results.set(method, { ...metrics.summary(), seconds: (performance.now() - started) / 1000 });
  }
  return results;
}

/** Best k unseen items by score (ties: lower index), written to `out`; returns how many. */
function topK(scores: Float64Array, excluded: Uint8Array, k: number, out: Int32Array): number {
  let count = 0;
  for (let s = 0; s < scores.length; s++) {
    if (excluded[s]) continue;
    const score = scores[s];
    if (count < k) {
      let i = count++;
      while (i > 0 && scores[out[i - 1]] < score) {
        out[i] = out[i - 1];
        i--;
      }
      out[i] = s;
    } else if (score > scores[out[k - 1]]) {
      let i = k - 1;
      while (i > 0 && scores[out[i - 1]] < score) {
        out[i] = out[i - 1];
        i--;
      }
      out[i] = s;
    }
  }
  return count;
}
