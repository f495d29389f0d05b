/**
 * The trained recommender model: plain typed arrays plus a little metadata, exactly what the
 * binary artefact (`artefact.ts`) stores and what `scoreClient` reads.
 */
import type { AcceptanceMap } from "./acceptance-map";
import type { BlendWeights, CalibrationReport } from "./calibration";
import type { FeatureSpace } from "./features";

/**
 * Version of the model layout and of the binary artefact. 2: item part from co-occurring uses (EASE
 * or asymmetric cosine), declines as their own non-negative term, config fields below.
 */
export const MODEL_FORMAT_VERSION = 2;

/** Item model of the item-based part: EASE weights or (asymmetric) cosine neighbours. */
export type ItemModel = "ease" | "cosine";
export const ITEM_MODELS: readonly ItemModel[] = ["ease", "cosine"];

/** What the model needs to know about each service, indexed by model index. */
export interface CatalogEntry {
  code: string;
  name: string;
  category: string;
}

/** One cell of the admin's cross-service matrix, by model index. */
export interface ServiceLink {
  /** The service the client uses. */
  from: number;
  /** The service the link recommends. */
  to: number;
  /** 0 < weight <= 1. */
  weight: number;
}

/** Hyper-parameters of `trainFromStatistics`. */
export interface TrainingConfig {
  /** k: neighbours kept per service (ItemKNN) or EASE weights kept per target service. */
  neighbours: number;
  /** Item model of the item part. */
  itemModel: ItemModel;
  /** EASE L2 penalty λ relative to the mean uses per service (the diagonal of XᵀX). */
  easeLambda: number;
  /** ItemKNN shrink term of the cosine denominator. */
  shrink: number;
  /** ItemKNN asymmetric-cosine α in [0, 1] (0.5: plain cosine). */
  asymmetry: number;
  /**
   * Weight of a declined service's neighbours in the item part, >= 0: a client is offered what fits
   * it, so a decline is weak evidence FOR its neighbours (and blocks the service itself); never a
   * subtraction.
   */
  declineWeight: number;
  /** m: how many nearest reference groups a client is scored against. */
  nearestGroups: number;
  /** Pseudo-count pulling group and segment take-up rates towards the overall rate (small groups say less). */
  smoothing: number;
  /** L2 penalty of the blend fit. */
  l2: number;
}

/**
 * Defaults: k = 100 (RecBole's ItemKNN), EASE with λ = 0.25 × mean uses per service (what both bank histories choose on their inner split), no shrink, plain
 * cosine for the kNN variant, declines count a quarter of a use for their neighbours (evaluation in
 * docs/recommender.md); 3 nearest groups; smoothing 10 clients.
 */
export const DEFAULT_TRAINING_CONFIG: Readonly<TrainingConfig> = Object.freeze({
  neighbours: 100,
  itemModel: "ease",
  easeLambda: 0.25,
  shrink: 0,
  asymmetry: 0.5,
  declineWeight: 0.25,
  nearestGroups: 3,
  smoothing: 10,
  l2: 1,
});

/** Who the members of a reference group mostly are, for the reasons a sales manager reads. */
export interface GroupDescription {
  members: number;
  /** Dominant range of age bands [first, last], or null when ages are mixed. */
  ageBands: [number, number] | null;
  /** Dominant range of income bands, or null. */
  incomeBands: [number, number] | null;
  /** Dominant region (index into the feature space's regions), or null. */
  region: number | null;
  /** GENDER_FEMALE / GENDER_MALE when at least 70% of members, or null. */
  gender: number | null;
  /** Needs tag (index) carried by at least half of the members, or null. */
  need: number | null;
  /** "age 25–34, income 80–150k, msk" (empty when nothing dominates). */
  label: string;
}

/** How the blend was obtained at training time. */
export interface ModelCalibration {
  source: "deals" | "default";
  samples: number;
  accepted: number;
  note: string;
  report: CalibrationReport | null;
  /**
   * Isotonic map from the blend logit to the acceptance logit, fitted on the outcomes of offers of a
   * history (eval / bootstrap); absent or null: the blend's own logistic output is the rating.
   */
  acceptanceMap?: AcceptanceMap | null;
}

/**
 * A trained model. n = services, k = neighbours, G = groups, S = segments, D = vector dims.
 * All arrays are read-only once trained (decoded models are views on the artefact bytes).
 */
export interface RecommenderModel {
  formatVersion: number;
  /** Caller-chosen identifier, stored with every lead (e.g. "2026-11-21T10:15:00Z#42"). */
  version: string;
  /** Epoch ms of training. */
  trainedAt: number;
  space: FeatureSpace;
  catalog: readonly CatalogEntry[];
  nServices: number;
  neighbours: number;
  nGroups: number;
  nSegments: number;
  profileDims: number;
  vectorDims: number;
  /** Clients counted in the statistics the model was trained from. */
  clientCount: number;
  config: TrainingConfig;
  blend: BlendWeights;
  calibration: ModelCalibration;
  groups: GroupDescription[];
  /** Mean of `popularityLogit` over the services: the neutral point of the popularity reason. */
  popularityLogitMean: number;
  /** n × k: N_k(s) best first, -1 padded. */
  neighbourIndex: Int32Array;
  /** n × k: sim(s, N_k(s)[t]). */
  neighbourSimilarity: Float32Array;
  /** CSR (n + 1) of the transposed lists: for service j the targets s with j ∈ N_k(s). */
  reverseNeighbourPtr: Int32Array;
  reverseNeighbourIndex: Int32Array;
  reverseNeighbourSimilarity: Float32Array;
  /** D × G unit centroids, dimension-major (`[d * G + g]`); an all-zero centroid is an empty group. */
  centroids: Float32Array;
  groupMembers: Int32Array;
  /** G × n logit of the smoothed take-up rate of each service in each group. */
  groupLogit: Float32Array;
  segmentMembers: Int32Array;
  /** S × n logit of the smoothed take-up rate in each segment. */
  segmentLogit: Float32Array;
  /** n: logit of the overall take-up rate. */
  popularityLogit: Float32Array;
  /** CSR (n + 1) of the business links by source service. */
  linkPtr: Int32Array;
  linkTarget: Int32Array;
  linkWeight: Float32Array;
}
