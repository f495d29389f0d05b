/**
 * Training from sufficient statistics. Cost O(n² log k + G·D + S·n + links + deals), plus n³/2 for
 * the EASE item model (about 5 s of CPU at 2,000 services, see bench:train): it depends on
 * services, groups, segments and deals, never on the number of clients, so the Worker can retrain
 * on a schedule from the statistics it keeps in D1.
 */
import { type DealSample, fitBlend, logit } from "./calibration";
import { fitDealAcceptanceMap } from "./deal-acceptance";
import { easeNeighbours } from "./ease";
import { ageRangeLabel, featureLayout, incomeRangeLabel } from "./features";
import {
  type CatalogEntry,
  DEFAULT_TRAINING_CONFIG,
  type GroupDescription,
  ITEM_MODELS,
  MODEL_FORMAT_VERSION,
  type RecommenderModel,
  type ServiceLink,
  type TrainingConfig,
} from "./model";
import { computeNeighbours, reverseNeighbours } from "./similarity";
import type { ModelStatistics } from "./training-statistics";

/** Identity and hyper-parameters of one training run. */
export interface TrainOptions extends Partial<TrainingConfig> {
  /** Model version identifier to store with leads. */
  version: string;
  /** Epoch ms of the training run (the domain never reads the clock). */
  trainedAt: number;
}

function checkConfig(config: TrainingConfig): void {
  if (!Number.isInteger(config.neighbours) || config.neighbours < 1) throw new RangeError("neighbours must be >= 1");
  if (!(config.shrink >= 0)) throw new RangeError("shrink must be >= 0");
  if (!ITEM_MODELS.includes(config.itemModel))
    throw new RangeError(`itemModel must be one of ${ITEM_MODELS.join(", ")}`);
  if (!(config.easeLambda > 0)) throw new RangeError("easeLambda must be > 0");
  if (!(config.asymmetry >= 0 && config.asymmetry <= 1)) throw new RangeError("asymmetry must be within [0, 1]");
  if (!(config.declineWeight >= 0 && Number.isFinite(config.declineWeight))) {
    throw new RangeError("declineWeight must be a finite number >= 0");
  }
  if (!Number.isInteger(config.nearestGroups) || config.nearestGroups < 1) {
    throw new RangeError("nearestGroups must be >= 1");
  }
  if (!(config.smoothing >= 0)) throw new RangeError("smoothing must be >= 0");
  if (!(config.l2 >= 0)) throw new RangeError("l2 must be >= 0");
}

/**
 * Trains a model: top-k EASE weights or cosine neighbours from the co-occurrence triangle, centroids from the group sums,
 * smoothed take-up rates of groups, segments and overall, the business links, and the blend
 * (fitted on `deals` when there are enough, documented defaults otherwise).
 * @throws RangeError on a catalog of the wrong length, a link out of range or a bad weight.
 */
export function trainFromStatistics(
  stats: ModelStatistics,
  catalog: readonly CatalogEntry[],
  links: readonly ServiceLink[],
  options: TrainOptions,
  deals: readonly DealSample[] = [],
): RecommenderModel {
  const config: TrainingConfig = {
    neighbours: options.neighbours ?? DEFAULT_TRAINING_CONFIG.neighbours,
    itemModel: options.itemModel ?? DEFAULT_TRAINING_CONFIG.itemModel,
    easeLambda: options.easeLambda ?? DEFAULT_TRAINING_CONFIG.easeLambda,
    shrink: options.shrink ?? DEFAULT_TRAINING_CONFIG.shrink,
    asymmetry: options.asymmetry ?? DEFAULT_TRAINING_CONFIG.asymmetry,
    declineWeight: options.declineWeight ?? DEFAULT_TRAINING_CONFIG.declineWeight,
    nearestGroups: options.nearestGroups ?? DEFAULT_TRAINING_CONFIG.nearestGroups,
    smoothing: options.smoothing ?? DEFAULT_TRAINING_CONFIG.smoothing,
    l2: options.l2 ?? DEFAULT_TRAINING_CONFIG.l2,
  };
  checkConfig(config);
  const space = stats.space;
  const layout = featureLayout(space);
  const n = space.nServices;
  const G = stats.nGroups;
  const D = layout.vectorDims;
  if (catalog.length !== n) throw new RangeError(`catalog has ${catalog.length} services, the statistics ${n}`);

  const neighbours =
    config.itemModel === "ease"
      ? easeNeighbours(stats.pairDot, n, config.neighbours, config.easeLambda)
      : computeNeighbours(stats.pairDot, n, config.neighbours, config.shrink, config.asymmetry);
  const reverse = reverseNeighbours(neighbours, n);

  // Laplace-smoothed overall rate: a service nobody uses yet is unlikely, not impossible.
  const clients = Math.max(0, stats.clientCount);
  const overall = new Float64Array(n);
  const popularityLogit = new Float32Array(n);
  let popularityLogitSum = 0;
  for (let s = 0; s < n; s++) {
    overall[s] = (Math.max(0, stats.servicePositive[s]) + 1) / (clients + 2);
    popularityLogit[s] = logit(overall[s]);
    popularityLogitSum += popularityLogit[s];
  }
  const m = config.smoothing;
  const smoothedLogits = (positive: Int32Array, members: Int32Array, rows: number) => {
    const out = new Float32Array(rows * n);
    for (let r = 0; r < rows; r++) {
      const size = Math.max(0, members[r]);
      for (let s = 0; s < n; s++) {
        const rate = size + m > 0 ? (Math.max(0, positive[r * n + s]) + m * overall[s]) / (size + m) : overall[s];
        out[r * n + s] = logit(rate);
      }
    }
    return out;
  };
  const groupLogit = smoothedLogits(stats.groupPositive, stats.groupMembers, G);
  const segmentLogit = smoothedLogits(stats.segmentPositive, stats.segmentMembers, layout.segments);

  // Centroid = direction of the members' vector sum, stored dimension-major for scoring.
  const centroids = new Float32Array(G * D);
  for (let g = 0; g < G; g++) {
    if (stats.groupMembers[g] <= 0) continue;
    let squared = 0;
    for (let d = g * D; d < (g + 1) * D; d++) squared += stats.groupVectorSum[d] * stats.groupVectorSum[d];
    if (squared === 0) continue;
    const inverse = 1 / Math.sqrt(squared);
    for (let d = 0; d < D; d++) centroids[d * G + g] = stats.groupVectorSum[g * D + d] * inverse;
  }

  const linkCount = new Int32Array(n + 1);
  const seenLinks = new Set<number>();
  for (const link of links) {
    const { from, to, weight } = link;
    if (!Number.isInteger(from) || from < 0 || from >= n || !Number.isInteger(to) || to < 0 || to >= n) {
      throw new RangeError(`link ${from} → ${to} is outside the catalog`);
    }
    if (!(weight > 0 && weight <= 1)) throw new RangeError(`link ${from} → ${to}: weight must be in (0, 1]`);
    if (from === to) throw new RangeError(`link ${from} → ${to} links a service to itself`);
    if (seenLinks.has(from * n + to)) throw new RangeError(`link ${from} → ${to} appears twice`);
    seenLinks.add(from * n + to);
    linkCount[from + 1]++;
  }
  for (let s = 0; s < n; s++) linkCount[s + 1] += linkCount[s];
  const linkPtr = linkCount;
  const fill = linkPtr.slice(0, n);
  const linkTarget = new Int32Array(links.length);
  const linkWeight = new Float32Array(links.length);
  const ordered = [...links].sort((a, b) => a.from - b.from || a.to - b.to);
  for (const link of ordered) {
    const slot = fill[link.from]++;
    linkTarget[slot] = link.to;
    linkWeight[slot] = link.weight;
  }

  const fit = fitBlend(deals, { l2: config.l2 });
  // Ratings mean acceptance of an offer: the recorded deals also fit the isotonic acceptance map.
  const acceptance = fitDealAcceptanceMap(fit, deals);

  return {
    formatVersion: MODEL_FORMAT_VERSION,
    version: options.version,
    trainedAt: options.trainedAt,
    space,
    catalog: catalog.map((entry) => ({ code: entry.code, name: entry.name, category: entry.category })),
    nServices: n,
    neighbours: config.neighbours,
    nGroups: G,
    nSegments: layout.segments,
    profileDims: layout.profileDims,
    vectorDims: D,
    clientCount: clients,
    config,
    blend: fit.blend,
    calibration: {
      source: fit.source,
      samples: fit.samples,
      accepted: fit.accepted,
      note: fit.source === "deals" ? `${fit.note}; ${acceptance.note}` : fit.note,
      report: acceptance.map ? acceptance.report : fit.report,
      acceptanceMap: acceptance.map,
    },
    groups: describeGroups(stats),
    popularityLogitMean: n > 0 ? popularityLogitSum / n : 0,
    neighbourIndex: neighbours.index,
    neighbourSimilarity: neighbours.similarity,
    reverseNeighbourPtr: reverse.ptr,
    reverseNeighbourIndex: reverse.index,
    reverseNeighbourSimilarity: reverse.similarity,
    centroids,
    groupMembers: Int32Array.from(stats.groupMembers, (v) => Math.max(0, v)),
    groupLogit,
    segmentMembers: Int32Array.from(stats.segmentMembers, (v) => Math.max(0, v)),
    segmentLogit,
    popularityLogit,
    linkPtr,
    linkTarget,
    linkWeight,
  };
}

/** Dominant band range: one band with >= 50% of members, else two adjacent bands with >= 65%. */
function dominantRange(counts: Int32Array, offset: number, bands: number, total: number): [number, number] | null {
  if (total <= 0) return null;
  let best = 0;
  for (let b = 1; b < bands; b++) if (counts[offset + b] > counts[offset + best]) best = b;
  if (counts[offset + best] >= 0.5 * total) return [best, best];
  let pair = -1;
  let pairCount = -1;
  for (let b = 0; b + 1 < bands; b++) {
    const c = counts[offset + b] + counts[offset + b + 1];
    if (c > pairCount) {
      pairCount = c;
      pair = b;
    }
  }
  return pair >= 0 && pairCount >= 0.65 * total ? [pair, pair + 1] : null;
}

/** Describes each reference group from its exact member histogram. */
export function describeGroups(stats: ModelStatistics): GroupDescription[] {
  const space = stats.space;
  const layout = featureLayout(space);
  const H = layout.histogramSlots;
  const descriptions: GroupDescription[] = [];
  for (let g = 0; g < stats.nGroups; g++) {
    const members = Math.max(0, stats.groupMembers[g]);
    const h = stats.groupHistogram.subarray(g * H, (g + 1) * H);
    const w = space.blockWeights;
    const ageBands = w.age > 0 ? dominantRange(h, layout.histogramAgeOffset, layout.ageBands, members) : null;
    const incomeBands =
      w.income > 0 ? dominantRange(h, layout.histogramIncomeOffset, layout.incomeBands, members) : null;
    let region: number | null = null;
    if (w.region > 0 && members > 0) {
      for (let r = 0; r < layout.regionSlots - 1; r++) {
        if (h[layout.histogramRegionOffset + r] >= 0.5 * members) region = r;
      }
    }
    let gender: number | null = null;
    if (w.gender > 0 && members > 0) {
      for (const code of [1, 2]) if (h[layout.histogramGenderOffset + code] >= 0.7 * members) gender = code;
    }
    let need: number | null = null;
    if (w.needs > 0 && members > 0) {
      let bestCount = 0;
      for (let t = 0; t < layout.needsDims; t++) {
        const count = h[layout.histogramNeedsOffset + t];
        if (count >= 0.5 * members && count > bestCount) {
          bestCount = count;
          need = t;
        }
      }
    }
    const parts: string[] = [];
    if (ageBands) parts.push(`age ${ageRangeLabel(space, ageBands[0], ageBands[1])}`);
    if (incomeBands) parts.push(`income ${incomeRangeLabel(space, incomeBands[0], incomeBands[1])}`);
    if (region !== null) parts.push(space.regions[region]);
    if (gender !== null) parts.push(gender === 1 ? "mostly women" : "mostly men");
    if (need !== null) parts.push(`need: ${space.needsVocabulary[need]}`);
    descriptions.push({ members, ageBands, incomeBands, region, gender, need, label: parts.join(", ") });
  }
  return descriptions;
}
