import type { Router } from "../../router";
import { CalibrationRoute } from "./calibration";
import { AdminCommissionsRoute, PartnerCommissionsRoute } from "./commissions";
import { CreateExperimentRoute } from "./create-experiment";
import { ExperimentReportRoute } from "./experiment-report";
import { FunnelRoute } from "./funnel";
import { GetExperimentRoute } from "./get-experiment";
import { ListExperimentsRoute } from "./list-experiments";
import { OverviewRoute } from "./overview";
import { ThresholdPreviewRoute } from "./threshold-preview";

/** Registers the learning-loop control routes: experiments, threshold preview, analytics, commissions. */
export function registerAnalyticsRoutes(router: Router) {
  router.post("/v1/admin/experiments", CreateExperimentRoute);
  router.get("/v1/admin/experiments", ListExperimentsRoute);
  router.get("/v1/admin/experiments/:id", GetExperimentRoute);
  router.get("/v1/admin/experiments/:id/report", ExperimentReportRoute);
  router.get("/v1/admin/thresholds/preview", ThresholdPreviewRoute);
  router.get("/v1/admin/analytics/funnel", FunnelRoute);
  router.get("/v1/admin/overview", OverviewRoute);
  router.get("/v1/admin/analytics/calibration", CalibrationRoute);
  router.get("/v1/admin/commissions", AdminCommissionsRoute);
  router.get("/v1/partner/commissions", PartnerCommissionsRoute);
}
