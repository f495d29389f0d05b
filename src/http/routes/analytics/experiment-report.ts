import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { iso } from "../../../domain/time";
import type { AppEnv } from "../../../env";
import { experimentUplift } from "../../../usecases/analytics/experiments";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireScope } from "../../middleware/auth";
import { experimentIdParams } from "./get-experiment";
import { ExperimentReportSchema, ExperimentSchema, experimentView } from "./schemas";

export class ExperimentReportRoute extends ApiRoute {
  override schema = {
    operationId: "getExperimentReport",
    tags: ["Admin: experiments"],
    summary: "Uplift report of an experiment: control vs treatment",
    description:
      "Per arm: clients (distinct clients whose candidates the experiment governed: held out — decision " +
      "`control` — or treated, whatever routing then decided; intention to treat), responders (clients with an accepted deal in scope, from any channel, " +
      "from their first candidate in the experiment until the end), response rate and spend (accepted deal " +
      "amounts, zeros included). Uplift: absolute and relative, with confidence intervals (two-proportion for the " +
      "response rate, Welch for spend), a significance verdict and a sample-ratio-mismatch check. A running " +
      "experiment is reported up to now. Formulas: docs/experiments.md; definitions: docs/analytics.md.",
    request: {
      params: experimentIdParams,
      query: z.strictObject({
        confidence_level: z
          .number()
          .min(0.8)
          .max(0.999)
          .default(0.95)
          .describe("Confidence level of every interval; α = 1 − level"),
      }),
    },
    responses: {
      "200": {
        description: "The report",
        ...contentJson(
          z
            .object({
              experiment: ExperimentSchema,
              measured_from: z.iso.datetime(),
              measured_until: z.iso.datetime().describe("min(now, ends_at)"),
              report: ExperimentReportSchema,
            })
            .meta({ id: "ExperimentReportResponse" }),
        ),
      },
      ...errorResponses(400, 403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { params, query } = await this.getValidatedData<typeof this.schema>();
    const now = Date.now();
    const uplift = await experimentUplift(c.env, params.id, query.confidence_level, now);
    return {
      experiment: experimentView(uplift.experiment, uplift.serviceCodes, now),
      measured_from: iso(uplift.measuredFrom),
      measured_until: iso(uplift.measuredUntil),
      report: uplift.report,
    };
  }
}
