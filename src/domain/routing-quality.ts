/**
 * The `quality` routing strategy (src/domain/routing.ts): competing companies ranked by their
 * end clients' quality rating — the Telegram bot's 1–5 stars asked after an accepted deal —
 * shrunk towards a neutral prior, so that a company with one five-star rating does not beat one
 * with a hundred ratings averaging 4.8. Opt-in per category (routing setting `strategy: "quality"`);
 * equal scores (e.g. nobody rated either company) fall back to the rating tie-break.
 */

/**
 * The prior: every company starts as if it had QUALITY_PRIOR_RATINGS ratings of
 * QUALITY_PRIOR_STARS stars (the middle of the scale), so a company nobody rated yet ranks with
 * average ones, and a few ratings move it only part of the way.
 */
export const QUALITY_PRIOR_STARS = 3;
export const QUALITY_PRIOR_RATINGS = 5;

/** A company's quality rating: the mean of its 1–5 star ratings and how many there are. */
export interface CompanyQuality {
  meanStars: number;
  ratings: number;
}

/** The strategy's score of a company: the Bayesian mean of its stars under the prior, on the 1–5 scale. */
export function qualityScore(quality: CompanyQuality | null | undefined): number {
  const ratings = quality && Number.isFinite(quality.meanStars) ? Math.max(0, quality.ratings) : 0;
  const sum = quality && ratings > 0 ? quality.meanStars * ratings : 0;
  return (sum + QUALITY_PRIOR_STARS * QUALITY_PRIOR_RATINGS) / (ratings + QUALITY_PRIOR_RATINGS);
}

/** The winner's reason in words, as a sales manager reads it. */
export function describeQualityWin(
  company: string,
  quality: CompanyQuality | null | undefined,
  eligibleCount: number,
): string {
  const rated =
    quality && quality.ratings > 0
      ? `${Math.round(quality.meanStars * 100) / 100} stars from ${quality.ratings} rating(s)`
      : "not rated yet";
  const score = Math.round(qualityScore(quality) * 1000) / 1000;
  return `Quality rating: ${company} has the best end-client quality score (${score}; ${rated}) among ${eligibleCount} eligible companies`;
}
