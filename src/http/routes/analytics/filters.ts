/**
 * The `from` / `to` / `company` / `service` query of the funnel and calibration reports, resolved
 * against the catalog (an unknown company or service code is 404).
 */
import { z } from "zod";
import { DomainError } from "../../../domain/errors";
import type { AnalyticsFilter, loadCatalogNames } from "../../../storage/analytics";
import { resolveWindow, windowQueryFields } from "./schemas";

export const filterQueryFields = {
  ...windowQueryFields,
  company: z
    .string()
    .min(1)
    .max(64)
    .optional()
    .describe("Only this receiving company (the company selling the service), by id"),
  service: z.string().min(1).max(64).optional().describe("Only this service, by code"),
};

export const FiltersSchema = z
  .object({ company: z.string().nullable(), service: z.string().nullable().describe("Service code") })
  .meta({ id: "AnalyticsFilters" });

type Catalog = Awaited<ReturnType<typeof loadCatalogNames>>;

/** The window and the company / service ids of the query; 400 for a bad window, 404 for unknown ids. */
export function analyticsFilter(
  query: { from?: string; to?: string; company?: string; service?: string },
  catalog: Catalog,
  now = Date.now(),
): AnalyticsFilter {
  const filter: AnalyticsFilter = resolveWindow(query, now);
  if (query.company !== undefined) {
    if (!catalog.companies.has(query.company)) {
      throw new DomainError("not_found", `Company ${query.company} not found`, ["query", "company"]);
    }
    filter.companyId = query.company;
  }
  if (query.service !== undefined) {
    for (const [id, service] of catalog.services) if (service.code === query.service) filter.serviceId = id;
    if (filter.serviceId === undefined) {
      throw new DomainError("not_found", `Service ${query.service} not found`, ["query", "service"]);
    }
  }
  return filter;
}

/** The filters as the response echoes them. */
export function filtersView(filter: AnalyticsFilter, catalog: Catalog) {
  return {
    company: filter.companyId ?? null,
    service: filter.serviceId === undefined ? null : (catalog.services.get(filter.serviceId)?.code ?? null),
  };
}
