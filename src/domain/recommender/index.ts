/**
 * The hybrid recommender of CactuBase: pure TypeScript (no I/O, no Workers APIs), identical in the
 * Worker, in vitest and in Node. See docs/recommender.md for the model, the statistics the Worker
 * keeps, the artefact format and the offline evaluation.
 */

export { Rng } from "../random";
export {
  type AcceptanceMap,
  applyAcceptanceMap,
  DEFAULT_MIN_BLOCK,
  fitAcceptanceMap,
  inverseAcceptanceMap,
  isValidAcceptanceMap,
} from "./acceptance-map";
export { checksum32, crc32, type DecodeOptions, decodeModel, encodeModel, ModelArtefactError } from "./artefact";
export { type SimulatedOfferOptions, simulateOfferDeals } from "./bootstrap";
export {
  type BlendFit,
  type BlendWeights,
  blendLogit,
  type CalibrationBucket,
  type CalibrationReport,
  calibrationReport,
  DEFAULT_BLEND,
  type DealSample,
  expectedCalibrationError,
  fitBlend,
  MIN_DEALS_FOR_FIT,
  MIN_DEALS_PER_CLASS,
  PART_NAMES,
  type PartName,
  type PartScores,
  partFeatures,
  ratingFromLogit,
  ratingOf,
} from "./calibration";
export { type DealAcceptance, fitDealAcceptanceMap } from "./deal-acceptance";
export { absoluteEaseLambda, easeNeighbours, easePrecision, TopKLists } from "./ease";
export {
  ageBandLabel,
  type ClientInteractions,
  createFeatureSpace,
  DEFAULT_AGE_BAND_EDGES,
  DEFAULT_BLOCK_WEIGHTS,
  DEFAULT_INCOME_BAND_EDGES,
  DEFAULT_PROFILE_SHARE,
  datasetClient,
  encodeClientVector,
  type FeatureLayout,
  type FeatureSpace,
  type FeatureSpaceInput,
  featureLayout,
  featureSpaceFromDataset,
  incomeBandLabel,
  type ProfileBlockWeights,
  type ProfileFields,
  profileFromFields,
  type RecommenderClient,
  type RecommenderProfile,
  segmentLabel,
  segmentOf,
  validateClient,
} from "./features";
export { type KMeansOptions, type KMeansPassResult, nearestGroupOfVector, SphericalKMeans } from "./groups";
export {
  accumulateInterest,
  type BrowsingInterest,
  clearInterest,
  DEFAULT_INTEREST_HALF_LIFE_DAYS,
  INTEREST_MAX_LOGIT,
  INTEREST_SATURATION_EVENTS,
  interestLogit,
  interestStrengths,
} from "./interest";
export { type EvaluationSummary, MetricsAccumulator, type RankingMetrics, rankingMetrics } from "./metrics";
export {
  type CatalogEntry,
  DEFAULT_TRAINING_CONFIG,
  type GroupDescription,
  ITEM_MODELS,
  type ItemModel,
  MODEL_FORMAT_VERSION,
  type ModelCalibration,
  type RecommenderModel,
  type ServiceLink,
  type TrainingConfig,
} from "./model";
export {
  calibrateBlend,
  fitOfferCalibration,
  type OfferCalibration,
  scoreOffers,
} from "./offer-calibration";
export type { Reason, ReasonKind, RelatedService } from "./reasons";
export {
  defaultGroupCount,
  forEachChunk,
  type RebuildOptions,
  type RebuildResult,
  rebuildStatistics,
} from "./rebuild";
export {
  assignGroup,
  DEFAULT_DECLINE_COOLDOWN_MS,
  DEFAULT_RECOMMENDATION_LIMIT,
  type Recommendation,
  type ScoreOptions,
  scoreClient,
} from "./scoring";
export { type SimilarService, similarServices } from "./similar-services";
export { computeNeighbours, cosineFromPairs, type NeighbourLists, reverseNeighbours } from "./similarity";
export {
  type HeldOut,
  type HeldOutOffers,
  type Split,
  type SplitMethod,
  type SplitOptions,
  splitDataset,
  splitOffers,
} from "./splits";
export {
  choleskyInPlace,
  gramOfLower,
  invertLowerInPlace,
  invertSymmetricPositiveDefinite,
  NotPositiveDefiniteError,
  packedIndex,
} from "./symmetric-solve";
export { describeGroups, type TrainOptions, trainFromStatistics } from "./training";
export {
  applyInteractionChange,
  applyStatisticsDelta,
  type ClientState,
  createStatistics,
  growStatistics,
  type InteractionChange,
  type ModelStatistics,
  pairIndex,
  StatisticsAccumulator,
  type StatisticsDelta,
  statisticsDelta,
} from "./training-statistics";
export { ExactUserKnn } from "./user-knn";
