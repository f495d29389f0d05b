/** The calibration report use case: rating band against observed acceptance of the leads in a window. */
import { type CandidateCalibrationReport, calibrationReportFromSlots } from "../../domain/calibration-report";
import type { Env } from "../../env";
import { loadCalibrationSlots } from "../../storage/analytics";
import { controlDb } from "../../storage/shards";
import { type ReportFilters, type ReportQuery, resolveReportFilter, type TimeWindow } from "./report-filter";

export async function candidateCalibration(
  env: Env,
  query: ReportQuery & { bandWidth: number },
): Promise<{ window: TimeWindow; filters: ReportFilters; report: CandidateCalibrationReport }> {
  const db = controlDb(env);
  const { filter, filters } = await resolveReportFilter(db, query);
  const { slots, ignored } = await loadCalibrationSlots(db, filter);
  return {
    window: { from: filter.from, to: filter.to },
    filters,
    report: calibrationReportFromSlots(slots, { bandWidth: query.bandWidth, ignored }),
  };
}
