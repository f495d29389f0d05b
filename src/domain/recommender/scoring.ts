/**
 * Scoring one client against a model: the hot path of the lead call. Per call it walks the client's
 * own cells (item-kNN through the transposed neighbour lists, business links), compares the client
 * with the G centroids, and makes one pass over the services on typed arrays with no per-service
 * allocation; objects are only built for the `limit` recommendations returned.
 *
 * Exclusions are exact: a service the client uses, a service it declined within the cooldown
 * (or declined at an unknown time), and a service the caller marks ineligible (inactive service,
 * paused company, ...) is never returned.
 */

import type { NeedBoost } from "../needs/need-boost";
import { applyAcceptanceMap, inverseAcceptanceMap } from "./acceptance-map";
import { type BlendWeights, type PartScores, ratingFromLogit, sigmoid, validateBlend } from "./calibration";
import {
  encodeClientProfileInto,
  featureLayout,
  interactionScaleOf,
  profileScaleOf,
  type RecommenderClient,
  segmentOf,
  validateClient,
} from "./features";
import { argmaxGroup, centroidSimilarities, nearestGroupOfVector, nonZeroIndices } from "./groups";
import * as browsing from "./interest";
import type { RecommenderModel } from "./model";
import { buildReasons, type Reason, type ReasonEvidence, withInterestReason } from "./reasons";
import { restore, scratchFor, siftDown, siftUp } from "./scoring-buffers";

/** Default decline cooldown: a declined service is not offered again for 90 days. */
export const DEFAULT_DECLINE_COOLDOWN_MS = 90 * 24 * 60 * 60 * 1000;
/** Default number of recommendations. */
export const DEFAULT_RECOMMENDATION_LIMIT = 10;

/** Options of `scoreClient`. */
export interface ScoreOptions {
  /** Epoch ms "now" for the decline cooldown. */
  now: number;
  /** Services that may be recommended: a mask (1 = eligible, length >= nServices) or a predicate. Default: all. */
  eligible?: Uint8Array | ((service: number) => boolean);
  /** Maximum number of recommendations (default 10). */
  limit?: number;
  /** Only ratings >= minRating (0–100, default 0). */
  minRating?: number;
  /** A decline newer than this blocks the service (default 90 days). */
  declineCooldownMs?: number;
  /** Blend to use instead of the model's (evaluation of single parts). */
  blend?: BlendWeights;
  /** Build reasons (default true; evaluation turns them off). */
  reasons?: boolean;
  /**
   * Build reasons for the best this many recommendations only (default: all returned); the others
   * get none. The lead call rates a whole catalogue for its rollups but answers reasons for its best.
   */
  reasonsFor?: number;
  /**
   * The client's browsing (src/domain/recommender/interest.ts): a bounded lift of the services it
   * looked at, added after the blend; never a cell, never an exclusion.
   */
  interest?: browsing.BrowsingInterest;
  /** Half-life of a day's browsing in days (default DEFAULT_INTEREST_HALF_LIFE_DAYS). */
  interestHalfLifeDays?: number;
  /** The client's bounded need boost per service (src/domain/needs/need-boost.ts); absent: none. */
  needBoost?: NeedBoost | null;
}

/** One ranked recommendation. */
export interface Recommendation {
  /** Model index of the service. */
  service: number;
  code: string;
  name: string;
  category: string;
  /** 0–100: the probability, in percent, that the client takes the service. */
  rating: number;
  /** Raw part scores (store them with the lead: they train the blend once the deal is known). */
  parts: PartScores;
  /** Strongest first; empty when `reasons: false`. */
  reasons: Reason[];
}

/** Reused for every recommendation's reasons (scoring is synchronous, so one object suffices). */
const evidence: ReasonEvidence = {
  service: 0,
  item: 0,
  bestNeighbour: -1,
  bestNeighbourSimilarity: 0,
  groupLogit: 0,
  groupRate: 0,
  nearestGroup: -1,
  link: 0,
  bestLinkSource: -1,
  bestLinkWeight: 0,
  segmentLogit: 0,
  segmentRate: 0,
  segment: 0,
  popularityLogit: 0,
  popularityRate: 0,
  needBoost: 0,
  needLabel: "",
  needConfidence: 0,
};

/**
 * Ranks the services for one client, best first. See the module comment for the exclusions.
 * Services the client has that are outside the model (created after training) are ignored.
 * @throws RangeError on a malformed client (values other than ±1, a service twice, non-finite age
 *   or income), a bad option, or an eligibility mask shorter than the catalogue.
 */
export function scoreClient(
  model: RecommenderModel,
  client: RecommenderClient,
  options: ScoreOptions,
): Recommendation[] {
  const n = model.nServices;
  const limit = options.limit ?? DEFAULT_RECOMMENDATION_LIMIT;
  const minRating = options.minRating ?? 0;
  const cooldown = options.declineCooldownMs ?? DEFAULT_DECLINE_COOLDOWN_MS;
  const now = options.now;
  const blend = options.blend ?? model.blend;
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError("limit must be an integer >= 1");
  if (!(minRating >= 0 && minRating <= 100)) throw new RangeError("minRating must be within 0..100");
  if (!(cooldown >= 0)) throw new RangeError("declineCooldownMs must be >= 0");
  if (!Number.isFinite(now)) throw new RangeError("now must be an epoch-ms number");
  if (options.blend) validateBlend(options.blend);
  const mask = options.eligible instanceof Uint8Array ? options.eligible : null;
  const predicate = typeof options.eligible === "function" ? options.eligible : null;
  if (mask && mask.length < n) throw new RangeError(`eligible mask has ${mask.length} entries, the model ${n}`);
  const { profile, interactions } = client;
  if (!Number.isFinite(profile.age)) throw new RangeError("profile.age must be a finite number");
  // NaN is the missing value (unknown income); an infinite income is a caller's bug.
  if (!Number.isFinite(profile.monthlyIncome) && !Number.isNaN(profile.monthlyIncome)) {
    throw new RangeError("profile.monthlyIncome must be a finite number, or NaN when unknown");
  }
  const services = interactions.services;
  const values = interactions.values;
  const times = interactions.times;
  const cells = services.length;
  if (values.length !== cells || (times && times.length !== cells)) {
    throw new RangeError("interactions.services, values and times must have the same length");
  }

  const scratch = scratchFor(model);
  const { item, linkKeep, bestLinkSource, bestLinkWeight, blocked, cellValue } = scratch;
  // At rest every buffer but `item` holds its neutral value; `restore` puts back what this call touched.
  item.fill(0);

  // Validate the cells and mark exclusions; `cellValue` is cleared again before returning or throwing.
  let known = 0;
  let used = 0;
  let problem: string | null = null;
  for (let i = 0; i < cells; i++) {
    const s = services[i];
    const v = values[i];
    if (!Number.isInteger(s) || s < 0) problem = `interactions.services[${i}] = ${s} is not a service index`;
    else if (v !== 1 && v !== -1) problem = `interactions.values[${i}] must be 1 or -1`;
    else if (s < n && cellValue[s] !== 0) problem = `service ${s} appears twice in the interactions`;
    if (problem) break;
    if (s >= n) continue;
    cellValue[s] = v;
    known++;
    if (v === 1) {
      blocked[s] = 1;
      used++;
    } else {
      const t = times ? times[i] : Number.NaN;
      if (!(now - t >= cooldown)) blocked[s] = 1; // unknown time (NaN) counts as recent
    }
  }
  if (problem) {
    restore(model, scratch, services, values, cells);
    throw new RangeError(problem);
  }

  const interest = options.interest ?? null;
  try {
    if (interest) browsing.accumulateInterest(interest, now, options.interestHalfLifeDays, scratch.interest);
    const interestStrength = scratch.interest;
    // Item part: each used service j adds w(s,j) to every target s with j among its neighbours (an
    // EASE weight may be negative), each declined one declineWeight·w(s,j) of its positive weights.
    const declineWeight = model.config.declineWeight;
    const revPtr = model.reverseNeighbourPtr;
    const revIdx = model.reverseNeighbourIndex;
    const revSim = model.reverseNeighbourSimilarity;
    const linkPtr = model.linkPtr;
    const linkTarget = model.linkTarget;
    const linkWeight = model.linkWeight;
    for (let i = 0; i < cells; i++) {
      const j = services[i];
      if (j >= n) continue;
      const v = values[i];
      const end = revPtr[j + 1];
      if (v === 1) {
        for (let p = revPtr[j]; p < end; p++) item[revIdx[p]] += revSim[p];
        // Business links: strength 1 − Π(1 − w) over the services the client uses.
        for (let p = linkPtr[j], linkEnd = linkPtr[j + 1]; p < linkEnd; p++) {
          const s = linkTarget[p];
          const w = linkWeight[p];
          linkKeep[s] *= 1 - w;
          if (w > bestLinkWeight[s]) {
            bestLinkWeight[s] = w;
            bestLinkSource[s] = j;
          }
        }
      } else if (declineWeight > 0) {
        // A decline says the service was offered because it fits: weak evidence for its neighbours,
        // never against them (EASE's negative weights are left out).
        // The positive weights are kept per model: a `> 0` test in this loop is a coin flip for the
        // branch predictor with signed EASE weights (Math.max was slower still, profiled).
        const positive = scratch.positiveSimilarity;
        for (let p = revPtr[j]; p < end; p++) item[revIdx[p]] += declineWeight * positive[p];
      }
    }

    // User-based part: cosine with every centroid, then the m nearest groups weighted by cosine.
    const space = model.space;
    const layout = featureLayout(space);
    const hasProfile = encodeClientProfileInto(space, layout, profile, scratch.profile);
    const G = model.nGroups;
    const topGroups = scratch.topGroups;
    const topWeights = scratch.topWeights;
    let usedGroups = 0;
    if (G > 0) {
      centroidSimilarities(
        model.centroids,
        scratch.activeGroups,
        layout,
        scratch.profile,
        scratch.profileIndex,
        nonZeroIndices(scratch.profile, scratch.profileIndex),
        profileScaleOf(space, hasProfile, known),
        services,
        values,
        0,
        cells,
        interactionScaleOf(space, hasProfile, known),
        scratch.groupSimilarity,
      );
      const sims = scratch.groupSimilarity;
      const m = topGroups.length;
      for (let g = 0; g < G; g++) {
        if (scratch.activeGroups[g] === 0) continue;
        const sim = sims[g];
        if (usedGroups < m) {
          let t = usedGroups++;
          while (t > 0 && sims[topGroups[t - 1]] < sim) {
            topGroups[t] = topGroups[t - 1];
            t--;
          }
          topGroups[t] = g;
        } else if (sim > sims[topGroups[m - 1]]) {
          let t = m - 1;
          while (t > 0 && sims[topGroups[t - 1]] < sim) {
            topGroups[t] = topGroups[t - 1];
            t--;
          }
          topGroups[t] = g;
        }
      }
      let total = 0;
      for (let t = 0; t < usedGroups; t++) {
        topWeights[t] = Math.max(0, sims[topGroups[t]]);
        total += topWeights[t];
      }
      for (let t = 0; t < usedGroups; t++) topWeights[t] = total > 0 ? topWeights[t] / total : 1 / usedGroups;
    }
    // Unknown income: no segment, and the segment part falls back to the overall popularity
    // (what "the client's segment" says when nothing is known of it).
    const segment = segmentOf(space, profile.age, profile.monthlyIncome);
    const segmentLogitOf = segment >= 0 ? model.segmentLogit : model.popularityLogit;
    const segmentBase = segment >= 0 ? segment * n : 0;

    // One pass over the services: blend logit, keep the best `limit` in a min-heap.
    if (scratch.heapZ.length < limit) {
      scratch.heapZ = new Float64Array(limit);
      scratch.heapService = new Int32Array(limit);
      scratch.order = new Int32Array(limit);
      scratch.orderZ = new Float64Array(limit);
    }
    const heapZ = scratch.heapZ;
    const heapService = scratch.heapService;
    let size = 0;
    let worstKept = Number.NEGATIVE_INFINITY;
    // The model's acceptance map (fitted for its own blend) turns blend logits into acceptance logits.
    const acceptanceMap = options.blend === undefined ? (model.calibration.acceptanceMap ?? null) : null;
    const zMin =
      minRating <= 0
        ? Number.NEGATIVE_INFINITY
        : minRating >= 100
          ? Number.POSITIVE_INFINITY
          : acceptanceMap
            ? inverseAcceptanceMap(acceptanceMap, Math.log(minRating / (100 - minRating))) - 1e-9
            : Math.log(minRating / (100 - minRating)) - 1e-9;
    const { item: wItem, group: wGroup, link: wLink, segment: wSegment } = blend;
    // Activity is the same for every service of this client: fold it into the intercept.
    const intercept = blend.intercept + blend.activity * Math.log1p(used);
    // Group and segment enter as lifts over popularity: w_g(G − P) + w_s(S − P) + w_p·P.
    const wPopularity = blend.popularity - wGroup - wSegment;
    const groupLogit = model.groupLogit;
    const segmentLogit = segmentLogitOf;
    const popularityLogit = model.popularityLogit;
    // The three nearest groups are unrolled (the default m); further ones take a short inner loop.
    // Without any group the group feature is the popularity logit (a lift of 0).
    const zeros = scratch.zeroRow;
    const row0 = usedGroups > 0 ? groupLogit : zeros;
    const row1 = usedGroups > 1 ? groupLogit : zeros;
    const row2 = usedGroups > 2 ? groupLogit : zeros;
    const g0 = usedGroups > 0 ? topGroups[0] * n : 0;
    const g1 = usedGroups > 1 ? topGroups[1] * n : 0;
    const g2 = usedGroups > 2 ? topGroups[2] * n : 0;
    const w0 = usedGroups > 0 ? wGroup * topWeights[0] : 0;
    const w1 = usedGroups > 1 ? wGroup * topWeights[1] : 0;
    const w2 = usedGroups > 2 ? wGroup * topWeights[2] : 0;
    const wPopularityTotal = usedGroups === 0 ? wPopularity + wGroup : wPopularity;
    const linkBase = intercept + wLink;
    const needLogit = options.needBoost?.boost ?? zeros;
    for (let s = 0; s < n; s++) {
      if (blocked[s] === 1) continue;
      if (mask !== null && mask[s] === 0) continue;
      if (predicate !== null && !predicate(s)) continue;
      const x = item[s];
      let z =
        linkBase -
        wLink * linkKeep[s] +
        wItem * x +
        w0 * row0[g0 + s] +
        w1 * row1[g1 + s] +
        w2 * row2[g2 + s] +
        wSegment * segmentLogit[segmentBase + s] +
        wPopularityTotal * popularityLogit[s] +
        needLogit[s];
      for (let t = 3; t < usedGroups; t++) z += wGroup * topWeights[t] * groupLogit[topGroups[t] * n + s];
      if (interestStrength[s] > 0) z += browsing.interestLogit(interestStrength[s]);
      if (size === limit) {
        // Full heap: every entry passed zMin, so beating the worst kept one is the only test.
        if (!(z > worstKept)) continue;
        heapZ[0] = z;
        heapService[0] = s;
        siftDown(heapZ, heapService, size, 0);
        worstKept = heapZ[0];
        continue;
      }
      if (!(z >= zMin)) continue;
      heapZ[size] = z;
      heapService[size] = s;
      siftUp(heapZ, heapService, size++);
      worstKept = heapZ[0];
    }

    // Drain the heap worst-first into the result from the back.
    const order = scratch.order;
    const orderZ = scratch.orderZ;
    const kept = size;
    for (let position = size - 1; position >= 0; position--) {
      order[position] = heapService[0];
      orderZ[position] = heapZ[0];
      size--;
      if (size > 0) {
        heapZ[0] = heapZ[size];
        heapService[0] = heapService[size];
        siftDown(heapZ, heapService, size, 0);
      }
    }
    const withReasons = options.reasons ?? true;
    const reasonCount = withReasons ? Math.min(kept, options.reasonsFor ?? kept) : 0;
    if (reasonCount > 0) {
      // Best neighbour of each recommended service among the services the client uses: one walk
      // over the client's transposed lists, keeping for every winner the highest similarity
      // (ties: the lower index, i.e. the order of N_k(s)).
      if (scratch.rankNeighbour.length < reasonCount) {
        scratch.rankNeighbour = new Int32Array(reasonCount);
        scratch.rankSimilarity = new Float64Array(reasonCount);
      }
      const winnerRank = scratch.winnerRank;
      const rankNeighbour = scratch.rankNeighbour;
      const rankSimilarity = scratch.rankSimilarity;
      for (let r = 0; r < reasonCount; r++) {
        winnerRank[order[r]] = r + 1;
        rankNeighbour[r] = -1;
        rankSimilarity[r] = 0;
      }
      for (let i = 0; i < cells; i++) {
        const j = services[i];
        if (j >= n || values[i] !== 1) continue;
        for (let p = revPtr[j], end = revPtr[j + 1]; p < end; p++) {
          const rank = winnerRank[revIdx[p]];
          if (rank === 0) continue;
          const sim = revSim[p];
          const best = rankSimilarity[rank - 1];
          if (sim > best || (sim === best && sim > 0 && j < rankNeighbour[rank - 1])) {
            rankSimilarity[rank - 1] = sim;
            rankNeighbour[rank - 1] = j;
          }
        }
      }
      for (let r = 0; r < reasonCount; r++) winnerRank[order[r]] = 0;
    }
    const results: Recommendation[] = [];
    for (let r = 0; r < kept; r++) {
      const s = order[r];
      const rating = ratingFromLogit(acceptanceMap ? applyAcceptanceMap(acceptanceMap, orderZ[r]) : orderZ[r]);
      if (rating < minRating) break;
      let groupFeature = popularityLogit[s];
      if (usedGroups > 0) {
        groupFeature = 0;
        for (let t = 0; t < usedGroups; t++) groupFeature += topWeights[t] * groupLogit[topGroups[t] * n + s];
      }
      const entry = model.catalog[s];
      const parts: PartScores = {
        item: item[s],
        group: sigmoid(groupFeature),
        link: 1 - linkKeep[s],
        segment: sigmoid(segmentLogit[segmentBase + s]),
        popularity: sigmoid(popularityLogit[s]),
        activity: used,
      };
      let reasons: Reason[] = [];
      if (r < reasonCount) {
        evidence.service = s;
        evidence.item = item[s];
        evidence.bestNeighbour = scratch.rankNeighbour[r];
        evidence.bestNeighbourSimilarity = scratch.rankSimilarity[r];
        evidence.groupLogit = groupFeature;
        evidence.groupRate = parts.group;
        evidence.nearestGroup = usedGroups > 0 ? topGroups[0] : -1;
        evidence.link = parts.link;
        evidence.bestLinkSource = bestLinkSource[s];
        evidence.bestLinkWeight = bestLinkWeight[s];
        evidence.segmentLogit = segmentLogit[segmentBase + s];
        evidence.segmentRate = parts.segment;
        evidence.segment = segment;
        evidence.popularityLogit = popularityLogit[s];
        evidence.popularityRate = parts.popularity;
        const need = options.needBoost ? options.needBoost.bestNeed[s] : -1;
        evidence.needBoost = need >= 0 ? needLogit[s] : 0;
        evidence.needLabel = need >= 0 ? options.needBoost!.labels[need] : "";
        evidence.needConfidence = need >= 0 ? options.needBoost!.needs[need].confidence : 0;
        reasons = buildReasons(model, blend, evidence);
        const strength = interestStrength[s];
        if (strength > 0) {
          reasons = withInterestReason(model, blend, evidence, reasons, browsing.interestLogit(strength), strength);
        }
      }
      results.push({
        service: s,
        code: entry.code,
        name: entry.name,
        category: entry.category,
        rating,
        parts,
        reasons,
      });
    }
    return results;
  } finally {
    restore(model, scratch, services, values, cells);
    if (interest) browsing.clearInterest(interest, scratch.interest);
  }
}

/**
 * The reference group to count a client in when it is written: the nearest centroid of its vector
 * (the same cosine the scorer uses). Accepts the client itself (sparse, O(G × (P + cells))) or the
 * dense vector from `encodeClientVector`. -1 when the model has no non-empty group.
 * @throws RangeError on a malformed client or a vector of the wrong dimension.
 */
export function assignGroup(model: RecommenderModel, client: Float32Array | RecommenderClient): number {
  if (model.nGroups === 0) return -1;
  const scratch = scratchFor(model);
  if (client instanceof Float32Array) {
    return nearestGroupOfVector(model.centroids, model.nGroups, client, scratch.activeGroups);
  }
  const space = model.space;
  validateClient(space, client);
  const layout = featureLayout(space);
  const p = client.profile;
  const hasProfile = encodeClientProfileInto(space, layout, p, scratch.profile);
  const cells = client.interactions.services.length;
  centroidSimilarities(
    model.centroids,
    scratch.activeGroups,
    layout,
    scratch.profile,
    scratch.profileIndex,
    nonZeroIndices(scratch.profile, scratch.profileIndex),
    profileScaleOf(space, hasProfile, cells),
    client.interactions.services,
    client.interactions.values,
    0,
    cells,
    interactionScaleOf(space, hasProfile, cells),
    scratch.groupSimilarity,
  );
  return argmaxGroup(scratch.groupSimilarity, model.nGroups);
}
