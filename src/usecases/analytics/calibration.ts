/**
 * The calibration report use case: rating band against observed acceptance of the leads created in a
 * window, from the daily candidate rollups of every shard (the days the window touches).
 */
import { type CandidateCalibrationReport, calibrationReportFromSlots } from "../../domain/calibration-report";
import type { Env } from "../../env";
import { controlDb } from "../../storage/shards";
import { calibrationSlots, rollupsAcrossShards } from "./candidate-rollups";
import { type ReportFilters, type ReportQuery, resolveReportFilter, type TimeWindow } from "./report-filter";

export async function candidateCalibration(
  env: Env,
  query: ReportQuery & { bandWidth: number },
): Promise<{ window: TimeWindow; filters: ReportFilters; report: CandidateCalibrationReport }> {
  const { filter, filters } = await resolveReportFilter(controlDb(env), query);
  const { slots, ignored } = calibrationSlots(await rollupsAcrossShards(env, { ...filter, decisions: ["lead"] }));
  return {
    window: { from: filter.from, to: filter.to },
    filters,
    report: calibrationReportFromSlots(slots, { bandWidth: query.bandWidth, ignored }),
  };
}
