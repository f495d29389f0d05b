import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../env";
import { candidateCalibration } from "../../../usecases/analytics/calibration";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireScope } from "../../middleware/auth";
import { FiltersSchema, filterQueryFields, reportQuery } from "./filters";
import { CalibrationReportSchema, WindowSchema, windowView } from "./schemas";

export class CalibrationRoute extends ApiRoute {
  override schema = {
    operationId: "getCalibration",
    tags: ["Admin: analytics"],
    summary: "Calibration report: rating band vs observed acceptance",
    description:
      "Is a lead rated 80 accepted about 80 % of the time? Over the leads created in the window that have an " +
      "outcome: per rating band, the mean predicted probability (rating / 100) against the observed acceptance " +
      "rate with its Wilson interval, plus the expected and maximum calibration error and the Brier score. Leads " +
      "exist only above the threshold in force, so lower bands are mostly empty. Formulas: docs/experiments.md.",
    request: {
      query: z.strictObject({
        ...filterQueryFields,
        band_width: z.int().min(1).max(100).default(10).describe("Width of the rating bands"),
      }),
    },
    responses: {
      "200": {
        description: "The report",
        ...contentJson(
          z
            .object({ window: WindowSchema, filters: FiltersSchema, report: CalibrationReportSchema })
            .meta({ id: "CalibrationResponse" }),
        ),
      },
      ...errorResponses(400, 403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { query } = await this.getValidatedData<typeof this.schema>();
    const result = await candidateCalibration(c.env, { ...reportQuery(query), bandWidth: query.band_width });
    return { window: windowView(result.window), filters: result.filters, report: result.report };
  }
}
