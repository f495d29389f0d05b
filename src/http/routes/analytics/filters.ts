/**
 * The `from` / `to` / `company` / `service` query of the funnel and calibration reports; the use
 * case resolves it against the catalog (an unknown company or service code is 404).
 */
import { z } from "zod";
import type { ReportQuery } from "../../../usecases/analytics/report-filter";
import { windowQueryFields } from "./schemas";

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

/** The parsed query as the report use cases take it (ISO 8601 times as epoch ms). */
export function reportQuery(query: { from?: string; to?: string; company?: string; service?: string }): ReportQuery {
  return {
    from: query.from === undefined ? undefined : Date.parse(query.from),
    to: query.to === undefined ? undefined : Date.parse(query.to),
    companyId: query.company,
    serviceCode: query.service,
  };
}
