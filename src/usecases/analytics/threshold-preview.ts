/**
 * The threshold preview use case: over the candidates scored in the last days (the daily rollups of
 * every shard; the days the window touches), how many each
 * threshold would let through and how those that became leads were received, next to the
 * threshold in force for the scope.
 */
import { DomainError } from "../../domain/errors";
import { type Resolved, resolveSettings } from "../../domain/settings";
import {
  ratingHistogramFromCounts,
  type ThresholdPreview,
  thresholdPreviewFromHistogram,
} from "../../domain/thresholds";
import { DAY_MS } from "../../domain/time";
import type { Env } from "../../env";
import type { AnalyticsFilter } from "../../storage/analytics";
import { findSettingRow, loadSettingsSnapshot } from "../../storage/settings";
import { controlDb } from "../../storage/shards";
import { rollupsAcrossShards, thresholdCounts } from "./candidate-rollups";
import type { TimeWindow } from "./report-filter";

/** Whose candidates are counted: all, a company's (the seller's) or a service's. */
export type ThresholdScope =
  | { kind: "global" }
  | { kind: "company"; companyId: string }
  | { kind: "service"; serviceCode: string };

export interface ThresholdPreviewQuery {
  scope: ThresholdScope;
  /** Lowest and highest threshold reported, 0–100, from ≤ to. */
  from: number;
  to: number;
  /** Window of scored candidates, ending now. */
  days: number;
  bandWidth: number;
}

export type ThresholdPreviewReport = ThresholdPreview & {
  window: TimeWindow;
  /** The threshold in force for the scope, and where it comes from. */
  currentThreshold: Resolved<number>;
};

/**
 * `validation_failed` when from > to; `not_found` for an unknown company or service. For a
 * company, the threshold in force is its own override, else the global one.
 */
export async function previewThresholds(
  env: Env,
  query: ThresholdPreviewQuery,
  now = Date.now(),
): Promise<ThresholdPreviewReport> {
  if (query.from > query.to)
    throw new DomainError("validation_failed", "`from` must not exceed `to`", ["query", "from"]);
  const db = controlDb(env);
  const snapshot = await loadSettingsSnapshot(db);
  const settings = resolveSettings(snapshot.rows, snapshot.catalog);
  const filter: AnalyticsFilter = { from: now - query.days * DAY_MS, to: now };
  let currentThreshold: Resolved<number> = settings.global.minRating;

  const { scope } = query;
  if (scope.kind === "company") {
    if (!snapshot.catalog.companies.some((company) => company.id === scope.companyId)) {
      throw new DomainError("not_found", `Company ${scope.companyId} not found`, ["query", "scope"]);
    }
    filter.companyId = scope.companyId;
    const stored = findSettingRow(snapshot.rows, "company", scope.companyId, "min_rating");
    if (stored) currentThreshold = { value: JSON.parse(stored.value) as number, source: "company" };
  } else if (scope.kind === "service") {
    const service = snapshot.catalog.services.find((candidate) => candidate.code === scope.serviceCode);
    if (!service) throw new DomainError("not_found", `Service ${scope.serviceCode} not found`, ["query", "scope"]);
    filter.serviceId = service.id;
    currentThreshold = settings.minRating(service.id);
  }

  const histogram = ratingHistogramFromCounts(thresholdCounts(await rollupsAcrossShards(env, filter)));
  const preview = thresholdPreviewFromHistogram(histogram, {
    from: query.from,
    to: query.to,
    bandWidth: query.bandWidth,
  });
  return { window: { from: filter.from, to: filter.to }, currentThreshold, ...preview };
}
