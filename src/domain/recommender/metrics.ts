/**
 * Top-k ranking metrics with RecBole's definitions (binary relevance; R = the user's relevant test
 * items, rel_i = 1 when the item at rank i is relevant):
 *
 *   Hit@k       = 1 if any of the top k is relevant
 *   Precision@k = Σ_{i≤k} rel_i / k
 *   Recall@k    = Σ_{i≤k} rel_i / |R|
 *   NDCG@k      = Σ_{i≤k} rel_i / log2(i + 1)  ÷  Σ_{i≤min(|R|,k)} 1 / log2(i + 1)
 *   MAP@k       = Σ_{i≤k} rel_i · Precision@i  ÷  min(|R|, k)
 *   ItemCoverage@k = |⋃_u top-k(u)| / |items|
 *
 * Per-user values are averaged over users with at least one relevant test item.
 */

/** The metrics of one ranking (or their means). */
export interface RankingMetrics {
  precision: number;
  recall: number;
  ndcg: number;
  map: number;
  hit: number;
}

/**
 * Metrics of one ranked list at cut-off k. `ranked` may be shorter than k (missing ranks count as
 * misses); `isRelevant` tells relevance, `relevantCount` = |R| (> 0).
 */
export function rankingMetrics(
  ranked: ArrayLike<number>,
  isRelevant: (item: number) => boolean,
  relevantCount: number,
  k: number,
): RankingMetrics {
  if (!Number.isInteger(k) || k < 1) throw new RangeError("k must be an integer >= 1");
  if (!(relevantCount > 0)) throw new RangeError("relevantCount must be > 0");
  let hits = 0;
  let dcg = 0;
  let precisionSum = 0;
  const depth = Math.min(k, ranked.length);
  for (let i = 0; i < depth; i++) {
    if (!isRelevant(ranked[i])) continue;
    hits++;
    dcg += 1 / Math.log2(i + 2);
    precisionSum += hits / (i + 1);
  }
  let idcg = 0;
  const ideal = Math.min(relevantCount, k);
  for (let i = 0; i < ideal; i++) idcg += 1 / Math.log2(i + 2);
  return {
    precision: hits / k,
    recall: hits / relevantCount,
    ndcg: dcg / idcg,
    map: precisionSum / ideal,
    hit: hits > 0 ? 1 : 0,
  };
}

/** Mean metrics over users plus catalogue coverage. */
export interface EvaluationSummary extends RankingMetrics {
  users: number;
  coverage: number;
}

/** Averages per-user metrics and tracks which items were recommended at all. */
export class MetricsAccumulator {
  private readonly recommended: Uint8Array;
  private users = 0;
  private readonly sums: RankingMetrics = { precision: 0, recall: 0, ndcg: 0, map: 0, hit: 0 };

  constructor(
    readonly k: number,
    readonly nItems: number,
  ) {
    this.recommended = new Uint8Array(nItems);
  }

  /** Adds one user's ranking (users without relevant items must not be added). */
  add(ranked: ArrayLike<number>, isRelevant: (item: number) => boolean, relevantCount: number): RankingMetrics {
    const metrics = rankingMetrics(ranked, isRelevant, relevantCount, this.k);
    this.users++;
    this.sums.precision += metrics.precision;
    this.sums.recall += metrics.recall;
    this.sums.ndcg += metrics.ndcg;
    this.sums.map += metrics.map;
    this.sums.hit += metrics.hit;
    for (let i = 0; i < Math.min(this.k, ranked.length); i++) this.recommended[ranked[i]] = 1;
    return metrics;
  }

  summary(): EvaluationSummary {
    const u = Math.max(1, this.users);
    let covered = 0;
    for (let i = 0; i < this.nItems; i++) covered += this.recommended[i];
    return {
      users: this.users,
      precision: this.sums.precision / u,
      recall: this.sums.recall / u,
      ndcg: this.sums.ndcg / u,
      map: this.sums.map / u,
      hit: this.sums.hit / u,
      coverage: this.nItems > 0 ? covered / this.nItems : 0,
    };
  }
}
