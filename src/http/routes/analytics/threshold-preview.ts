import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../env";
import { previewThresholds, type ThresholdScope } from "../../../usecases/analytics/threshold-preview";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireScope } from "../../middleware/auth";
import { RatingBandSchema, ThresholdRowSchema, WindowSchema, windowView } from "./schemas";

const SCOPE_PATTERN = /^(global|company:[^\s:]{1,64}|service:[^\s:]{1,64})$/;

export class ThresholdPreviewRoute extends ApiRoute {
  override schema = {
    operationId: "previewThresholds",
    tags: ["Admin: thresholds"],
    summary: "Preview the lead volume and acceptance at each threshold",
    description:
      "Over the candidates scored in the last `days` days (duplicates and dry runs left out): for every integer " +
      "threshold from `from` to `to`, how many candidates had a rating at or above it — the leads that threshold " +
      "would have let through, before routing, caps and holdouts — and how those that became leads were " +
      "received; plus the acceptance observed in each rating band. Use it to see what lowering the threshold, " +
      "e.g. 80 → 78, yields. Outcomes exist only where leads were made, i.e. above the threshold in force at the " +
      "time, so the acceptance just below the current threshold rests on few outcomes. `scope`: `global`, " +
      "`company:<company id>` (the company selling the services) or `service:<service code>`; an unknown company " +
      "or service is 404.",
    request: {
      query: z.strictObject({
        scope: z
          .string()
          .regex(SCOPE_PATTERN, { error: "scope must be global, company:<company id> or service:<service code>" })
          .default("global"),
        from: z.int().min(0).max(100).default(0).describe("Lowest threshold to report (0–100)"),
        to: z.int().min(0).max(100).default(100).describe("Highest threshold to report (0–100)"),
        days: z.int().min(1).max(366).default(30).describe("Window of scored candidates, ending now"),
        band_width: z.int().min(1).max(100).default(10).describe("Width of the acceptance bands"),
      }),
    },
    responses: {
      "200": {
        description: "The preview",
        ...contentJson(
          z
            .object({
              scope: z.string(),
              window: WindowSchema,
              current_threshold: z
                .object({
                  value: z.number(),
                  source: z.enum(["service", "company", "category", "global", "default"]),
                })
                .describe("The threshold in force for the scope (settings)"),
              candidates: z.int().describe("Candidates counted"),
              ignored: z.int().describe("Candidates skipped (rating outside 0–100)"),
              thresholds: z.array(ThresholdRowSchema),
              bands: z.array(RatingBandSchema),
            })
            .meta({ id: "ThresholdPreview" }),
        ),
      },
      ...errorResponses(400, 403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { query } = await this.getValidatedData<typeof this.schema>();
    const { window, currentThreshold, ...preview } = await previewThresholds(c.env, {
      scope: parseScope(query.scope),
      from: query.from,
      to: query.to,
      days: query.days,
      bandWidth: query.band_width,
    });
    return {
      scope: query.scope,
      window: windowView(window),
      current_threshold: { value: currentThreshold.value, source: currentThreshold.source },
      ...preview,
    };
  }
}

/** `global`, `company:<company id>` or `service:<service code>` (already checked by SCOPE_PATTERN). */
function parseScope(scope: string): ThresholdScope {
  const separator = scope.indexOf(":");
  if (separator < 0) return { kind: "global" };
  const id = scope.slice(separator + 1);
  return scope.startsWith("company:") ? { kind: "company", companyId: id } : { kind: "service", serviceCode: id };
}
