/**
 * Reasons in words a sales manager understands, one per part that supports a recommendation. Each
 * reason's weight is its share of the positive evidence behind the rating: the part's contribution
 * to the blend logit above the part's neutral point (0 for the item and link parts, the service's
 * overall popularity for the group and segment parts — a lift, the mean popularity over the
 * catalogue for the popularity part). Labels are cached per model, so building the reasons of one
 * recommendation costs a handful of small strings and objects; the services a reason names are shared
 * frozen objects.
 */
import type { BlendWeights } from "./calibration";
import { segmentLabel } from "./features";
import type { RecommenderModel } from "./model";

export type ReasonKind =
  | "similar_services"
  | "reference_group"
  | "business_link"
  | "segment_popularity"
  | "popularity"
  | "browsing_interest"
  | "client_need";

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
  /**
   * The figure behind the text: similarity (similar_services), take-up rate 0..1 (group, segment,
   * popularity), link weight, decayed page views (browsing_interest) or the need's confidence
   * (client_need).
   */
  value: number;
}

/** What scoring knows about one recommended service when it builds the reasons. */
export interface ReasonEvidence {
  service: number;
  /** Raw item-kNN sum and the client's service contributing most to it (-1: none). */
  item: number;
  bestNeighbour: number;
  bestNeighbourSimilarity: number;
  /** Group feature (logit of the nearest groups' rate), that rate, and the nearest group (-1: none). */
  groupLogit: number;
  groupRate: number;
  nearestGroup: number;
  /** Business-link strength and the client's service with the strongest link (-1: none). */
  link: number;
  bestLinkSource: number;
  bestLinkWeight: number;
  segmentLogit: number;
  segmentRate: number;
  segment: number;
  popularityLogit: number;
  popularityRate: number;
  /** Need boost of the service (logit, 0: none), the label of its strongest need and that need's confidence. */
  needBoost: number;
  needLabel: string;
  needConfidence: number;
}

const KINDS: readonly ReasonKind[] = [
  "similar_services",
  "reference_group",
  "business_link",
  "segment_popularity",
  "popularity",
  "client_need",
];

interface Labels {
  /** "Popular with clients aged 25–34 with income 80–150k: " per segment. */
  segmentPrefix: string[];
  /**
   * "Clients like this one take it: " per group. Not the group's own bands: a 33-year-old may sit in
   * a group whose typical member is 35–44, and "age 35–44" would then misdescribe the client.
   */
  groupPrefix: string[];
  /** "Clients who use {service} often also take " per service (the neighbour). */
  neighbourPrefix: string[];
  /** "Linked by the bank's cross-service rules to {service}" per service (the link's source). */
  linkText: string[];
  /** One frozen RelatedService per catalogue entry, shared by every reason that names it. */
  related: RelatedService[];
}

const labelsByModel = new WeakMap<RecommenderModel, Labels>();

function labelsFor(model: RecommenderModel): Labels {
  let labels = labelsByModel.get(model);
  if (labels) return labels;
  labels = {
    segmentPrefix: Array.from({ length: model.nSegments }, (_, segment) => {
      const label = segmentLabel(model.space, segment);
      return `Popular with clients ${label || "like this one"}: `;
    }),
    groupPrefix: model.groups.map(() => "Clients like this one take it: "),
    neighbourPrefix: model.catalog.map((entry) => `Clients who use ${entry.name} often also take `),
    linkText: model.catalog.map((entry) => `Linked by the bank's cross-service rules to ${entry.name}`),
    related: model.catalog.map((entry, index) => Object.freeze({ index, code: entry.code, name: entry.name })),
  };
  labelsByModel.set(model, labels);
  return labels;
}

/** Percent texts: "0%", "0.1%" … "9.9%" (indices 0..99, tenths), then "10%" … "100%" (indices 100..190). */
const PERCENT_TEXT: readonly string[] = [
  ...Array.from({ length: 100 }, (_, tenths) => `${tenths % 10 === 0 ? tenths / 10 : (tenths / 10).toFixed(1)}%`),
  ...Array.from({ length: 91 }, (_, i) => `${i + 10}%`),
];

/** "41%", or one decimal under 10% ("2.5%"); a table lookup, as number formatting is slow on the hot path. */
function percent(rate: number): string {
  const value = 100 * rate;
  if (!(value >= 0)) return PERCENT_TEXT[0];
  const tenths = Math.round(value * 10);
  if (tenths < 100) return PERCENT_TEXT[tenths];
  return PERCENT_TEXT[Math.min(100, Math.round(value)) + 90];
}

const contribution = new Float64Array(KINDS.length);
const present = new Uint8Array(KINDS.length);
const order = new Int32Array(KINDS.length);

/** Fills `present` and `contribution` for one recommendation. */
function fillContributions(model: RecommenderModel, blend: BlendWeights, e: ReasonEvidence): void {
  present[0] = e.bestNeighbour >= 0 ? 1 : 0;
  present[1] = e.nearestGroup >= 0 ? 1 : 0;
  present[2] = e.bestLinkSource >= 0 ? 1 : 0;
  // No segment (unknown income): the segment part is the overall popularity and explains nothing.
  present[3] = e.segment >= 0 ? 1 : 0;
  present[4] = 1;
  present[5] = e.needBoost > 0 ? 1 : 0;
  contribution[0] = blend.item * e.item;
  contribution[1] = blend.group * (e.groupLogit - e.popularityLogit);
  contribution[2] = blend.link * e.link;
  contribution[3] = blend.segment * (e.segmentLogit - e.popularityLogit);
  contribution[4] = blend.popularity * (e.popularityLogit - model.popularityLogitMean);
  // The need boost is added to the blend logit as it is (src/domain/needs/need-boost.ts).
  contribution[5] = e.needBoost;
}

/** Builds the reasons of one recommendation, strongest first. */
export function buildReasons(model: RecommenderModel, blend: BlendWeights, e: ReasonEvidence): Reason[] {
  fillContributions(model, blend, e);
  // Order the present kinds by contribution (insertion sort of at most six).
  let count = 0;
  let positive = 0;
  for (let kind = 0; kind < KINDS.length; kind++) {
    if (!present[kind]) continue;
    if (contribution[kind] > 0) positive += contribution[kind];
    let t = count++;
    while (t > 0 && contribution[order[t - 1]] < contribution[kind]) {
      order[t] = order[t - 1];
      t--;
    }
    order[t] = kind;
  }
  // Without any positive evidence the strongest part still explains the rating, alone.
  const kept = positive > 0 ? count : 1;
  const labels = labelsFor(model);
  const name = model.catalog[e.service].name;
  const reasons: Reason[] = [];
  for (let r = 0; r < kept; r++) {
    const kind = order[r];
    if (positive > 0 && contribution[kind] <= 0) break;
    const weight = positive > 0 ? contribution[kind] / positive : 1;
    switch (kind) {
      case 0:
        reasons.push({
          kind: "similar_services",
          text: labels.neighbourPrefix[e.bestNeighbour] + name,
          weight,
          relatedService: labels.related[e.bestNeighbour],
          value: e.bestNeighbourSimilarity,
        });
        break;
      case 1:
        reasons.push({
          kind: "reference_group",
          text: labels.groupPrefix[e.nearestGroup] + percent(e.groupRate),
          weight,
          relatedService: null,
          value: e.groupRate,
        });
        break;
      case 2:
        reasons.push({
          kind: "business_link",
          text: labels.linkText[e.bestLinkSource],
          weight,
          relatedService: labels.related[e.bestLinkSource],
          value: e.bestLinkWeight,
        });
        break;
      case 3:
        reasons.push({
          kind: "segment_popularity",
          text: `${labels.segmentPrefix[e.segment]}${percent(e.segmentRate)} use it`,
          weight,
          relatedService: null,
          value: e.segmentRate,
        });
        break;
      case 5:
        reasons.push({
          kind: "client_need",
          text: e.needLabel,
          weight,
          relatedService: null,
          value: e.needConfidence,
        });
        break;
      default:
        reasons.push({
          kind: "popularity",
          text: `Widely used: ${percent(e.popularityRate)} of all clients use it`,
          weight,
          relatedService: null,
          value: e.popularityRate,
        });
    }
  }
  return reasons;
}

/**
 * The reasons of a recommendation that browsing lifted by `lift` (> 0) on the blend-logit scale:
 * "Browsed …" joins the blend's reasons, weighted by its share of the positive evidence, and the
 * others keep their order with their shares scaled down. `strength` is the decayed page views.
 */
export function withInterestReason(
  model: RecommenderModel,
  blend: BlendWeights,
  e: ReasonEvidence,
  reasons: Reason[],
  lift: number,
  strength: number,
): Reason[] {
  if (!(lift > 0)) return reasons;
  fillContributions(model, blend, e);
  let positive = 0;
  for (let kind = 0; kind < KINDS.length; kind++)
    if (present[kind] && contribution[kind] > 0) positive += contribution[kind];
  const share = lift / (lift + positive);
  const interest: Reason = {
    kind: "browsing_interest",
    text: `Browsed ${model.catalog[e.service].name} on the company's website lately`,
    weight: share,
    relatedService: null,
    value: strength,
  };
  const merged: Reason[] = [];
  let placed = false;
  for (const reason of reasons) {
    const weight = reason.weight * (1 - share);
    if (!placed && share >= weight) {
      merged.push(interest);
      placed = true;
    }
    merged.push({ ...reason, weight });
  }
  if (!placed) merged.push(interest);
  return merged;
}
