/**
 * Reasons in words a sales manager understands, one per part that supports a recommendation. Each
 * reason's weight is its share of the positive evidence behind the rating: the part's contribution
 * to the blend logit above the part's neutral point (0 for the item and link parts, the service's
 * overall popularity for the group and segment parts — a lift, the mean popularity over the
 * catalogue for the popularity part).
 */
import { type BlendWeights, PART_COUNT, sigmoid, signedSqrt } from "./calibration";
import { segmentLabel } from "./features";
import type { RecommenderModel } from "./model";

export type ReasonKind = "similar_services" | "reference_group" | "business_link" | "segment_popularity" | "popularity";

/** A service a reason refers to. */
export interface RelatedService {
  index: number;
  code: string;
  name: string;
}

/** One structured reason; `text` is ready to show, the other fields let the API render its own. */
export interface Reason {
  kind: ReasonKind;
  text: string;
  /** Share (0..1) of the positive evidence behind the rating; the reasons of one recommendation sum to 1. */
  weight: number;
  /** The service the client uses that the reason refers to (neighbour or linked service), if any. */
  relatedService: RelatedService | null;
  /** The figure behind the text: similarity (similar_services), take-up rate 0..1 (group, segment, popularity) or link weight. */
  value: number;
}

/** What scoring knows about one recommended service when it builds the reasons. */
export interface ReasonEvidence {
  service: number;
  /** Raw item-kNN sum and the client's service contributing most to it (-1: none). */
  item: number;
  bestNeighbour: number;
  bestNeighbourSimilarity: number;
  /** Group feature (logit of the nearest groups' rate) and the nearest group (-1: none). */
  groupLogit: number;
  nearestGroup: number;
  /** Business-link strength and the client's service with the strongest link (-1: none). */
  link: number;
  bestLinkSource: number;
  bestLinkWeight: number;
  segmentLogit: number;
  segment: number;
  popularityLogit: number;
}

function related(model: RecommenderModel, index: number): RelatedService {
  const entry = model.catalog[index];
  return { index, code: entry.code, name: entry.name };
}

function percent(rate: number): string {
  const value = 100 * rate;
  return value >= 10 ? `${Math.round(value)}%` : `${Number(value.toFixed(1))}%`;
}

const contributions = new Float64Array(PART_COUNT);

/** Builds the reasons of one recommendation, strongest first. */
export function buildReasons(model: RecommenderModel, blend: BlendWeights, e: ReasonEvidence): Reason[] {
  const name = model.catalog[e.service].name;
  const itemFeature = signedSqrt(e.item);
  contributions[0] = blend.item * itemFeature;
  contributions[1] = e.nearestGroup >= 0 ? blend.group * (e.groupLogit - e.popularityLogit) : 0;
  contributions[2] = blend.link * e.link;
  contributions[3] = blend.segment * (e.segmentLogit - e.popularityLogit);
  contributions[4] = blend.popularity * (e.popularityLogit - model.popularityLogitMean);

  const reasons: Array<Reason & { contribution: number }> = [];
  if (e.bestNeighbour >= 0) {
    const neighbour = model.catalog[e.bestNeighbour].name;
    reasons.push({
      kind: "similar_services",
      text: `Clients who use ${neighbour} often also take ${name}`,
      weight: 0,
      relatedService: related(model, e.bestNeighbour),
      value: e.bestNeighbourSimilarity,
      contribution: contributions[0],
    });
  }
  if (e.nearestGroup >= 0) {
    const label = model.groups[e.nearestGroup]?.label ?? "";
    const rate = sigmoid(e.groupLogit);
    reasons.push({
      kind: "reference_group",
      text: `Similar clients${label ? ` (${label})` : ""} take it: ${percent(rate)}`,
      weight: 0,
      relatedService: null,
      value: rate,
      contribution: contributions[1],
    });
  }
  if (e.bestLinkSource >= 0) {
    reasons.push({
      kind: "business_link",
      text: `Linked by the bank's cross-service rules to ${model.catalog[e.bestLinkSource].name}`,
      weight: 0,
      relatedService: related(model, e.bestLinkSource),
      value: e.bestLinkWeight,
      contribution: contributions[2],
    });
  }
  const segmentRate = sigmoid(e.segmentLogit);
  const label = segmentLabel(model.space, e.segment);
  reasons.push({
    kind: "segment_popularity",
    text: `Popular with clients ${label || "like this one"}: ${percent(segmentRate)} use it`,
    weight: 0,
    relatedService: null,
    value: segmentRate,
    contribution: contributions[3],
  });
  const overallRate = sigmoid(e.popularityLogit);
  reasons.push({
    kind: "popularity",
    text: `Widely used: ${percent(overallRate)} of all clients use it`,
    weight: 0,
    relatedService: null,
    value: overallRate,
    contribution: contributions[4],
  });

  let positive = 0;
  for (const reason of reasons) if (reason.contribution > 0) positive += reason.contribution;
  reasons.sort((a, b) => b.contribution - a.contribution);
  const kept = positive > 0 ? reasons.filter((r) => r.contribution > 0) : reasons.slice(0, 1);
  return kept.map(({ contribution, ...reason }) => ({
    ...reason,
    weight: positive > 0 ? contribution / positive : 1,
  }));
}
