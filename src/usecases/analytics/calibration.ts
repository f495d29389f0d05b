/** The calibration report use case: rating band against observed acceptance of the leads in a window. */
import { type CandidateCalibrationReport, calibrationReportFromSlots } from "../../domain/calibration-report";
import type { Env } from "../../env";
import { loadCalibrationSlots } from "../../storage/analytics";
import { clientShards, controlDb } from "../../storage/shards";
import { type ReportFilters, type ReportQuery, resolveReportFilter, type TimeWindow } from "./report-filter";

export async function candidateCalibration(
  env: Env,
  query: ReportQuery & { bandWidth: number },
): Promise<{ window: TimeWindow; filters: ReportFilters; report: CandidateCalibrationReport }> {
  const { filter, filters } = await resolveReportFilter(controlDb(env), query);
  // Leads live in the client shards: each counts its own, the report adds them up.
  const perShard = await Promise.all(clientShards(env).map((shard) => loadCalibrationSlots(shard.db, filter)));
  const slots = perShard.flatMap((part) => part.slots);
  const ignored = perShard.reduce((sum, part) => sum + part.ignored, 0);
  return {
    window: { from: filter.from, to: filter.to },
    filters,
    report: calibrationReportFromSlots(slots, { bandWidth: query.bandWidth, ignored }),
  };
}
