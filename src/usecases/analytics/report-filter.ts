/**
 * The window and company / service filter shared by the funnel and calibration reports, resolved
 * against the catalog: a bad window is `validation_failed`, an unknown company or service code is
 * `not_found`.
 */
import { DomainError } from "../../domain/errors";
import { DAY_MS } from "../../domain/time";
import { type AnalyticsFilter, loadCatalogNames } from "../../storage/analytics";
import type { Db } from "../../storage/db";

/** Default length of an analytics window when `from` is not given. */
export const DEFAULT_WINDOW_DAYS = 30;
/** Longest analytics window: the queries aggregate, but a bound keeps them predictable. */
export const MAX_WINDOW_DAYS = 366;

/** A resolved window, epoch ms: `from` inclusive, `to` exclusive. */
export interface TimeWindow {
  from: number;
  to: number;
}

/** The companies and services analytics rows name, by id. */
export type AnalyticsCatalog = Awaited<ReturnType<typeof loadCatalogNames>>;

/** What a report was asked for: epoch-ms bounds, a receiving company id, a service code. */
export interface ReportQuery {
  from?: number;
  to?: number;
  companyId?: string;
  serviceCode?: string;
}

/** The filters as a report echoes them: the company id and the service code, or null. */
export interface ReportFilters {
  company: string | null;
  service: string | null;
}

/**
 * The window of `from` / `to` (defaults: the 30 days up to now), checked: from < to and a span of
 * at most 366 days.
 */
export function resolveWindow(query: { from?: number; to?: number }, now = Date.now()): TimeWindow {
  const to = query.to ?? now;
  const from = query.from ?? to - DEFAULT_WINDOW_DAYS * DAY_MS;
  if (from >= to) throw new DomainError("validation_failed", "`from` must be before `to`", ["query", "from"]);
  if (to - from > MAX_WINDOW_DAYS * DAY_MS) {
    throw new DomainError("validation_failed", `The window may span at most ${MAX_WINDOW_DAYS} days`, [
      "query",
      "from",
    ]);
  }
  return { from, to };
}

/** Reads the catalog and resolves the query into the filter the aggregate queries take. */
export async function resolveReportFilter(
  db: Db,
  query: ReportQuery,
  now = Date.now(),
): Promise<{ catalog: AnalyticsCatalog; filter: AnalyticsFilter; filters: ReportFilters }> {
  const catalog = await loadCatalogNames(db);
  const filter: AnalyticsFilter = resolveWindow(query, now);
  if (query.companyId !== undefined) {
    if (!catalog.companies.has(query.companyId)) {
      throw new DomainError("not_found", `Company ${query.companyId} not found`, ["query", "company"]);
    }
    filter.companyId = query.companyId;
  }
  if (query.serviceCode !== undefined) {
    for (const [id, service] of catalog.services) if (service.code === query.serviceCode) filter.serviceId = id;
    if (filter.serviceId === undefined) {
      throw new DomainError("not_found", `Service ${query.serviceCode} not found`, ["query", "service"]);
    }
  }
  const filters = {
    company: filter.companyId ?? null,
    service: filter.serviceId === undefined ? null : (catalog.services.get(filter.serviceId)?.code ?? null),
  };
  return { catalog, filter, filters };
}
