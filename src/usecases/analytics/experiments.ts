/**
 * The control-group experiment use cases: create one (validated, audited, never overlapping
 * another in both time and scope), read one, list them, and report its uplift.
 */
import { DomainError } from "../../domain/errors";
import { type ExperimentReport, experimentReport } from "../../domain/experiment-report";
import {
  ASSIGNMENT_BUCKETS,
  controlBucketCount,
  type ExperimentStatus,
  experimentStatus,
  periodsOverlap,
  scopesOverlap,
} from "../../domain/experiments";
import { DAY_MS, iso } from "../../domain/time";
import type { Env } from "../../env";
import { newId } from "../../lib/ids";
import { loadCatalogNames } from "../../storage/analytics";
import { auditEntry, runBatch } from "../../storage/audit";
import * as experimentTable from "../../storage/experiments";
import { clientShards, controlDb } from "../../storage/shards";
import type { AnalyticsCatalog } from "./report-filter";

/** An experiment as stored: a service scope is stored by service id. */
export type ExperimentRecord = experimentTable.ExperimentRow;
/** Position in the newest-first listing: the last experiment of the previous page. */
export type ExperimentCursor = experimentTable.ExperimentCursor;
/** Service codes by service id, to show a service scope by code. */
export type ServiceCodes = ReadonlyMap<string, { code: string }>;

/** A start this far in the past still counts as "now" (clock skew between the admin and us). */
export const START_TOLERANCE_MS = 5 * 60_000;
/** Longest experiment. */
export const MAX_EXPERIMENT_DAYS = 366;
/** Smallest holdout: one assignment bucket. */
export const MIN_HOLDOUT_SHARE = 1 / ASSIGNMENT_BUCKETS;
/** Largest holdout: beyond half, "control" would be the majority and the lead flow mostly idle. */
export const MAX_HOLDOUT_SHARE = 0.5;

export interface NewExperiment {
  name: string;
  scopeType: ExperimentRecord["scopeType"];
  /** Company id, category or service code; absent for `all`. */
  scopeId?: string;
  holdoutShare: number;
  /** Epoch ms; default now. */
  startsAt?: number;
  /** Epoch ms. */
  endsAt: number;
}

/** The experiment with the service codes its view needs. */
export interface ExperimentWithCodes {
  experiment: ExperimentRecord;
  serviceCodes: ServiceCodes;
}

/**
 * Validates the period (not in the past, ends after it starts, at most MAX_EXPERIMENT_DAYS) and
 * the scope (`validation_failed`), refuses an overlap with another experiment in time and scope
 * (`conflict`), then writes the experiment and its audit entry in one batch.
 */
export async function createExperiment(
  env: Env,
  actor: string,
  input: NewExperiment,
  now = Date.now(),
): Promise<ExperimentWithCodes> {
  const startsAt = input.startsAt ?? now;
  const endsAt = input.endsAt;
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

  const db = controlDb(env);
  const catalog = await loadCatalogNames(db);
  const experiment: ExperimentRecord = {
    id: newId("exp"),
    name: input.name,
    scopeType: input.scopeType,
    scopeId: resolveScopeId(input.scopeType, input.scopeId, catalog),
    // Stored as the share the buckets actually realize, so the sample-ratio check expects it.
    holdoutShare: controlBucketCount(input.holdoutShare) / ASSIGNMENT_BUCKETS,
    startsAt,
    endsAt,
    createdAt: now,
    createdBy: actor,
  };

  const scopeCatalog = [...catalog.services].map(([id, service]) => ({
    id,
    category: service.category,
    companyId: service.companyId,
  }));
  const clash = (await experimentTable.loadExperimentsOverlapping(db, startsAt, endsAt)).find(
    (other) => periodsOverlap(other, experiment) && scopesOverlap(other, experiment, scopeCatalog),
  );
  if (clash) {
    throw new DomainError(
      "conflict",
      `Experiment ${clash.id} overlaps this one in time (${iso(clash.startsAt)} – ${iso(clash.endsAt)}) and in ` +
        "scope; simultaneous experiments must cover disjoint offers",
      ["body", "scope_type"],
    );
  }

  await runBatch(db, [
    experimentTable.insertExperimentQuery(db, experiment),
    auditEntry(db, {
      actor,
      action: "experiment.created",
      entityType: "experiment",
      entityId: experiment.id,
      before: null,
      after: experimentSnapshot(experiment, catalog.services, now),
      at: now,
    }),
  ]);
  return { experiment, serviceCodes: catalog.services };
}

/** The experiment, or `not_found`. */
export async function getExperiment(env: Env, id: string): Promise<ExperimentWithCodes> {
  const db = controlDb(env);
  const experiment = await experimentTable.getExperiment(db, id);
  if (!experiment) throw experimentNotFound(id);
  const catalog = await loadCatalogNames(db);
  return { experiment, serviceCodes: catalog.services };
}

/** A page of experiments, newest first; `next` is the cursor of the following page, or null. */
export async function listExperiments(
  env: Env,
  query: { status?: ExperimentStatus; limit: number; after?: ExperimentCursor },
  now = Date.now(),
): Promise<{ experiments: ExperimentRecord[]; serviceCodes: ServiceCodes; next: ExperimentCursor | null }> {
  const db = controlDb(env);
  const [page, catalog] = await Promise.all([
    experimentTable.listExperiments(db, { limit: query.limit, after: query.after, status: query.status, now }),
    loadCatalogNames(db),
  ]);
  const last = page.rows.at(-1);
  return {
    experiments: page.rows,
    serviceCodes: catalog.services,
    next: page.hasMore && last ? { createdAt: last.createdAt, id: last.id } : null,
  };
}

/**
 * Control against treatment as of now (a running experiment is measured up to now):
 * `measuredFrom` / `measuredUntil` are the epoch-ms bounds of the measurement.
 */
export async function experimentUplift(
  env: Env,
  id: string,
  confidenceLevel: number,
  now = Date.now(),
): Promise<ExperimentWithCodes & { measuredFrom: number; measuredUntil: number; report: ExperimentReport }> {
  const db = controlDb(env);
  const experiment = await experimentTable.getExperiment(db, id);
  if (!experiment) throw experimentNotFound(id);
  const catalog = await loadCatalogNames(db);
  // Clients and their deals live in the shards; an arm's sums are the sums of the shards' arms.
  const scopeServiceIds =
    experiment.scopeType === "category"
      ? [...catalog.services].filter(([, s]) => s.category === experiment.scopeId).map(([id]) => id)
      : [];
  const perShard = await Promise.all(
    clientShards(env).map((shard) => experimentTable.loadExperimentArms(shard.db, experiment, scopeServiceIds, now)),
  );
  const arms = experimentTable.sumExperimentArms(perShard);
  const report = experimentReport(
    { holdoutShare: experiment.holdoutShare, control: arms.control, treatment: arms.treatment },
    { confidenceLevel },
  );
  return {
    experiment,
    serviceCodes: catalog.services,
    measuredFrom: experiment.startsAt,
    measuredUntil: Math.max(experiment.startsAt, arms.measuredUntil),
    report,
  };
}

export interface ExperimentSnapshot {
  id: string;
  name: string;
  scope_type: ExperimentRecord["scopeType"];
  scope_id: string | null;
  holdout_share: number;
  starts_at: string;
  ends_at: string;
  status: ExperimentStatus;
  created_at: string;
  created_by: string;
}

/**
 * An experiment as the audit log records it and the admin API shows it: a service scope is
 * shown by code (what admins use), the status is the one at `now`.
 */
export function experimentSnapshot(
  experiment: ExperimentRecord,
  serviceCodes: ServiceCodes,
  now = Date.now(),
): ExperimentSnapshot {
  const scopeId =
    experiment.scopeType === "all"
      ? null
      : experiment.scopeType === "service"
        ? (serviceCodes.get(experiment.scopeId)?.code ?? experiment.scopeId)
        : experiment.scopeId;
  return {
    id: experiment.id,
    name: experiment.name,
    scope_type: experiment.scopeType,
    scope_id: scopeId,
    holdout_share: experiment.holdoutShare,
    starts_at: iso(experiment.startsAt),
    ends_at: iso(experiment.endsAt),
    status: experimentStatus(experiment, now),
    created_at: iso(experiment.createdAt),
    created_by: experiment.createdBy,
  };
}

function experimentNotFound(id: string): DomainError {
  return new DomainError("not_found", `Experiment ${id} not found`);
}

/** The stored scope id (company id, category, service id; "" for all), or `validation_failed`. */
function resolveScopeId(
  scopeType: ExperimentRecord["scopeType"],
  scopeId: string | undefined,
  catalog: AnalyticsCatalog,
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
