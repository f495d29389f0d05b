/**
 * The acceptance map of a model trained on recorded deals (issue 12): after the blend is fitted on
 * the deals (accepted / declined with the part scores the offer was made with), an isotonic map from
 * the blend logit to the acceptance logit is fitted on the same deals' OUT-OF-FOLD logits, so that a
 * rating reads as the acceptance % of an offer in production too, not only in the evaluation. The
 * logistic fit is a straight line in z; the map can follow a reliability curve that bends, and being
 * non-decreasing it never reorders a client's list.
 *
 * The map is kept only when it rates the deals better than the logistic blend alone, judged out of
 * fold at both levels (the map of each fold is fitted on the other folds' out-of-fold logits): with
 * few deals or a straight reliability curve the blend's own ratings stay.
 */
import { type AcceptanceMap, applyAcceptanceMap, DEFAULT_MIN_BLOCK, fitAcceptanceMap } from "./acceptance-map";
import {
  type BlendFit,
  type CalibrationReport,
  calibrationReport,
  type DealSample,
  OUT_OF_FOLD_FOLDS,
  ratingFromLogit,
} from "./calibration";

/** Outcome of {@link fitDealAcceptanceMap}. */
export interface DealAcceptance {
  /** The map fitted on every deal's out-of-fold logit, or null when the blend's ratings are kept. */
  map: AcceptanceMap | null;
  /** Out-of-fold report of the ratings with the map (each fold mapped by the other folds' map); null without a fit. */
  report: CalibrationReport | null;
  /** In plain words: what was fitted and why it is used or not. */
  note: string;
}

/**
 * Fits the acceptance map of a blend fitted on `deals` (`fit.source === "deals"`); returns no map
 * for a default blend, fewer than two blocks of `minBlock` deals, a map that leaves a single knot,
 * or one whose out-of-fold log loss is not below the blend's.
 */
export function fitDealAcceptanceMap(
  fit: BlendFit,
  deals: readonly DealSample[],
  minBlock = DEFAULT_MIN_BLOCK,
): DealAcceptance {
  const logits = fit.outOfFoldLogits;
  const n = deals.length;
  if (fit.source !== "deals" || !logits || !fit.report || logits.length !== n) {
    return { map: null, report: null, note: "no acceptance map: the blend is not fitted on deals" };
  }
  if (n < 2 * minBlock) {
    return { map: null, report: null, note: `no acceptance map: ${n} deals, it needs ${2 * minBlock}` };
  }
  const accepted = deals.map((deal) => deal.accepted);
  const mapped = new Float64Array(n);
  for (let fold = 0; fold < OUT_OF_FOLD_FOLDS; fold++) {
    const z: number[] = [];
    const y: boolean[] = [];
    for (let i = 0; i < n; i++) {
      if (i % OUT_OF_FOLD_FOLDS === fold) continue;
      z.push(logits[i]);
      y.push(accepted[i]);
    }
    const foldMap = fitAcceptanceMap(z, y, minBlock);
    for (let i = fold; i < n; i += OUT_OF_FOLD_FOLDS)
      mapped[i] = ratingFromLogit(applyAcceptanceMap(foldMap, logits[i]));
  }
  const report = calibrationReport(mapped, accepted, true);
  const map = fitAcceptanceMap(logits, accepted, minBlock);
  const compared =
    `out-of-fold ECE ${fit.report.ece.toFixed(1)} → ${report.ece.toFixed(1)} pts, ` +
    `log loss ${fit.report.logLoss.toFixed(3)} → ${report.logLoss.toFixed(3)}`;
  if (map.z.length < 2 || !(report.logLoss < fit.report.logLoss)) {
    return { map: null, report, note: `acceptance map not used (${compared})` };
  }
  return { map, report, note: `acceptance map with ${map.z.length} knots (${compared})` };
}
