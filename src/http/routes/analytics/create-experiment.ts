import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { DomainError } from "../../../domain/errors";
import {
  ASSIGNMENT_BUCKETS,
  controlBucketCount,
  type ExperimentDefinition,
  periodsOverlap,
  scopesOverlap,
} from "../../../domain/experiments";
import { DAY_MS, iso } from "../../../domain/time";
import type { AppEnv } from "../../../env";
import { newId } from "../../../lib/ids";
import { loadCatalogNames } from "../../../storage/analytics";
import { auditEntry, runBatch } from "../../../storage/audit";
import { getDb } from "../../../storage/db";
import { type ExperimentRow, insertExperimentQuery, loadExperimentsOverlapping } from "../../../storage/experiments";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireScope } from "../../middleware/auth";
import { EXPERIMENT_SCOPE_TYPES, ExperimentSchema, experimentView } from "./schemas";

/** A start this far in the past still counts as "now" (clock skew between the admin and us). */
export const START_TOLERANCE_MS = 5 * 60_000;
/** Longest experiment. */
export const MAX_EXPERIMENT_DAYS = 366;
/** Smallest holdout: one assignment bucket. */
export const MIN_HOLDOUT_SHARE = 1 / ASSIGNMENT_BUCKETS;
/** Largest holdout: beyond half, "control" would be the majority and the lead flow mostly idle. */
export const MAX_HOLDOUT_SHARE = 0.5;

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
    const startsAt = body.starts_at === undefined ? now : Date.parse(body.starts_at);
    const endsAt = Date.parse(body.ends_at);
    if (startsAt < now - START_TOLERANCE_MS) {
      throw new DomainError(
        "validation_failed",
        "starts_at is in the past: clients already scored cannot be held out retroactively",
        ["body", "starts_at"],
      );
    }
    if (endsAt <= startsAt)
      throw new DomainError("validation_failed", "ends_at must be after starts_at", ["body", "ends_at"]);
    if (endsAt - startsAt > MAX_EXPERIMENT_DAYS * DAY_MS) {
      throw new DomainError("validation_failed", `An experiment may run at most ${MAX_EXPERIMENT_DAYS} days`, [
        "body",
        "ends_at",
      ]);
    }

    const db = getDb(c.env.DB);
    const catalog = await loadCatalogNames(db);
    const scopeId = resolveScopeId(body.scope_type, body.scope_id, catalog);
    const row: ExperimentRow = {
      id: newId("exp"),
      name: body.name,
      scopeType: body.scope_type,
      scopeId,
      // Stored as the share the buckets actually realize, so the sample-ratio check expects it.
      holdoutShare: controlBucketCount(body.holdout_share) / ASSIGNMENT_BUCKETS,
      startsAt,
      endsAt,
      createdAt: now,
      createdBy: principal.keyId,
    };

    const scopeCatalog = [...catalog.services].map(([id, service]) => ({
      id,
      category: service.category,
      companyId: service.companyId,
    }));
    const clash = (await loadExperimentsOverlapping(db, startsAt, endsAt)).find(
      (other: ExperimentDefinition) => periodsOverlap(other, row) && scopesOverlap(other, row, scopeCatalog),
    );
    if (clash) {
      throw new DomainError(
        "conflict",
        `Experiment ${clash.id} overlaps this one in time (${iso(clash.startsAt)} – ${iso(clash.endsAt)}) and in ` +
          "scope; simultaneous experiments must cover disjoint offers",
        ["body", "scope_type"],
      );
    }

    const view = experimentView(row, catalog.services, now);
    await runBatch(db, [
      insertExperimentQuery(db, row),
      auditEntry(db, {
        actor: principal.keyId,
        action: "experiment.created",
        entityType: "experiment",
        entityId: row.id,
        before: null,
        after: view,
        at: now,
      }),
    ]);
    return c.json(view, 201);
  }
}

/** The stored scope id (company id, category, service id; "" for all), or 400 naming the problem. */
function resolveScopeId(
  scopeType: ExperimentRow["scopeType"],
  scopeId: string | undefined,
  catalog: Awaited<ReturnType<typeof loadCatalogNames>>,
): string {
  const path = ["body", "scope_id"];
  if (scopeType === "all") {
    if (scopeId !== undefined) throw new DomainError("validation_failed", "scope `all` takes no scope_id", path);
    return "";
  }
  if (scopeId === undefined)
    throw new DomainError("validation_failed", `scope \`${scopeType}\` needs a scope_id`, path);
  switch (scopeType) {
    case "company":
      if (!catalog.companies.has(scopeId))
        throw new DomainError("validation_failed", `Unknown company ${scopeId}`, path);
      return scopeId;
    case "category":
      for (const service of catalog.services.values()) if (service.category === scopeId) return scopeId;
      throw new DomainError("validation_failed", `No service has the category ${scopeId}`, path);
    case "service":
      for (const [id, service] of catalog.services) if (service.code === scopeId) return id;
      throw new DomainError("validation_failed", `Unknown service code ${scopeId}`, path);
  }
}
