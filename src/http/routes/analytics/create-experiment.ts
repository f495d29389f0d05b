import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import type { AppEnv } from "../../../env";
import {
  createExperiment,
  MAX_EXPERIMENT_DAYS,
  MAX_HOLDOUT_SHARE,
  MIN_HOLDOUT_SHARE,
} from "../../../usecases/analytics/experiments";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireScope } from "../../middleware/auth";
import { EXPERIMENT_SCOPE_TYPES, ExperimentSchema, experimentView } from "./schemas";

export const CreateExperimentBody = z
  .strictObject({
    name: z.string().trim().min(1).max(200),
    scope_type: z
      .enum(EXPERIMENT_SCOPE_TYPES)
      .describe("all offers, or those of one company (the seller), category or service"),
    scope_id: z.string().min(1).max(64).optional().describe("Company id, category or service code; omitted for `all`"),
    holdout_share: z
      .number()
      .min(MIN_HOLDOUT_SHARE)
      .max(MAX_HOLDOUT_SHARE)
      .describe("Share of clients held out as control, 0.0001–0.5 (e.g. 0.05–0.10), resolved to 1/10,000"),
    starts_at: z.iso
      .datetime({ offset: true })
      .optional()
      .describe("Default now; never in the past (clients already scored cannot be held out retroactively)"),
    ends_at: z.iso.datetime({ offset: true }).describe(`After starts_at, at most ${MAX_EXPERIMENT_DAYS} days later`),
  })
  .meta({ id: "CreateExperimentRequest" });

export class CreateExperimentRoute extends ApiRoute {
  override schema = {
    operationId: "createExperiment",
    tags: ["Admin: experiments"],
    summary: "Start a control-group experiment (holdout) over a scope",
    description:
      "Clients are assigned by a hash of (experiment id, client id) into 10,000 buckets; those below " +
      "round(holdout_share · 10,000) are the control arm and get no lead in the scope while the experiment runs " +
      "(their candidates are recorded as `control`); everyone else is treated. Validated: 0 < holdout_share ≤ 0.5, " +
      "starts_at < ends_at, the scope exists (400 `validation_failed`), and no other experiment overlaps it in " +
      "both time and scope (409 `conflict`: overlapping experiments contaminate each other's arms). The creation " +
      "is written to the audit log.",
    request: { body: contentJson(CreateExperimentBody) },
    responses: {
      "201": { description: "Created", ...contentJson(ExperimentSchema) },
      ...errorResponses(400, 403, 409),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const principal = requireScope(c, "admin");
    const { body } = await this.getValidatedData<typeof this.schema>();
    const now = Date.now();
    const { experiment, serviceCodes } = await createExperiment(
      c.env,
      principal.keyId,
      {
        name: body.name,
        scopeType: body.scope_type,
        scopeId: body.scope_id,
        holdoutShare: body.holdout_share,
        startsAt: body.starts_at === undefined ? undefined : Date.parse(body.starts_at),
        endsAt: Date.parse(body.ends_at),
      },
      now,
    );
    return c.json(experimentView(experiment, serviceCodes, now), 201);
  }
}
