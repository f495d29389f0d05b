/** Response schemas of the admin model routes and the views that fill them. */
import { z } from "zod";
import { PART_NAMES } from "../../../../domain/recommender";
import { iso, isoOrNull } from "../../../../domain/time";
import {
  type ModelVersionRecord,
  type RebuildJobRecord,
  type RetrainResult,
  rebuildJobSnapshot,
} from "../../../../usecases/admin/model";
import type { ModelQuality } from "../../../../usecases/model/publish";

/** Share of new clients since the last full rebuild beyond which one is recommended. */
const REBUILD_GROWTH_FACTOR = 2;
/** ... and only once at least this many clients were added. */
const REBUILD_MIN_NEW_CLIENTS = 100;

const blendSchema = z
  .object(Object.fromEntries([["intercept", z.number()], ...PART_NAMES.map((name) => [name, z.number()])]))
  .meta({ id: "BlendWeights", description: "Logistic blend of the part scores: intercept and one weight per part" });

export const calibrationSchema = z
  .object({
    source: z
      .enum(["deals", "default"])
      .meta({ description: "deals: fitted on recorded deals; default: built-in weights" }),
    samples: z.int(),
    accepted: z.int(),
    note: z.string(),
    blend: blendSchema,
    report: z
      .object({
        samples: z.int(),
        accepted: z.int(),
        log_loss: z.number(),
        brier_score: z.number(),
        auc: z.number().nullable(),
        ece: z
          .number()
          .nullable()
          .meta({
            description:
              "Expected calibration error in rating points: bucket-weighted |mean rating − observed acceptance| " +
              "(out-of-fold when cross_validated; null for a model trained before it was reported)",
          }),
        cross_validated: z.boolean(),
        buckets: z.array(
          z.object({
            from: z.number(),
            to: z.number(),
            count: z.int(),
            mean_rating: z.number(),
            observed_rate: z.number().nullable(),
          }),
        ),
      })
      .nullable()
      .meta({ description: "Predicted rating against observed acceptance (null until the blend is fitted on deals)" }),
  })
  .meta({ id: "ModelCalibration" });

export const qualitySchema = z
  .object({
    uses: z.int().meta({ description: "Cells of the interaction matrix = 1" }),
    declines: z.int().meta({ description: "Cells = -1" }),
    density: z.number().meta({ description: "Share of the matrix that is non-zero" }),
    services_with_users: z.int(),
    neighbour_coverage: z.number().meta({ description: "Share of services with at least one similar service" }),
    mean_top_neighbour_similarity: z.number(),
    active_groups: z.int().meta({ description: "Reference groups with members" }),
    largest_group_share: z.number(),
    group_cohesion: z.number().meta({ description: "Mean cosine of clients to their group's centroid (1 = tight)" }),
    rebuilt_clients: z.int().meta({ description: "Clients counted by the full rebuild that made the groups" }),
  })
  .meta({ id: "ModelQuality" });

export const modelVersionSchema = z
  .object({
    version: z.string(),
    status: z.enum(["training", "ready", "discarded", "failed", "pruned"]).meta({
      description:
        "ready: published (and current when `current`); discarded: a newer model won the pointer; pruned: " +
        "artefact deleted (only the record is kept); failed: see `error`",
    }),
    current: z.boolean(),
    trigger: z.enum(["cron", "admin", "serving", "rebuild"]),
    generation: z.int().meta({ description: "The full rebuild whose reference groups the model uses" }),
    last_delta_id: z.int().meta({ description: "Last client change folded into its statistics" }),
    clients: z.int().nullable(),
    created_at: z.iso.datetime(),
    trained_at: z.iso.datetime().nullable(),
    error: z.string().nullable(),
  })
  .meta({ id: "ModelVersion" });

export const rebuildJobSchema = z
  .object({
    id: z.string(),
    status: z.enum(["running", "succeeded", "failed"]),
    phase: z.enum(["cluster", "accumulate", "reconcile", "finish", "done"]).meta({
      description:
        "cluster: k-means on a sample; accumulate: counting clients page by page; reconcile: folding writes that " +
        "raced the job; finish: training and publishing",
    }),
    steps_done: z.int(),
    trigger: z.enum(["admin", "bootstrap"]),
    clients_per_step: z.int(),
    groups: z.int(),
    clients_total: z.int().meta({ description: "Clients when the job started (progress estimate)" }),
    clients_done: z.int(),
    progress: z.number().min(0).max(1),
    changes_reconciled: z.int().meta({ description: "Client writes that raced the job and were folded in" }),
    version: z.string().nullable().meta({ description: "The model version the job published" }),
    error: z.string().nullable(),
    requested_by: z.string(),
    started_at: z.iso.datetime(),
    updated_at: z.iso.datetime(),
    finished_at: z.iso.datetime().nullable(),
  })
  .meta({ id: "ModelRebuildJob" });

export const modelStatusSchema = z
  .object({
    current: z
      .object({
        version: z.string(),
        trained_at: z.iso.datetime(),
        trigger: z.enum(["cron", "admin", "serving", "rebuild"]),
        generation: z.int(),
        clients: z.int(),
        services: z.int(),
        groups: z.int(),
        neighbours: z.int().meta({ description: "k: similar services kept per service" }),
        artefact_bytes: z.int(),
        snapshot_bytes: z.int(),
        last_delta_id: z.int().meta({ description: "Last client change folded into the statistics" }),
        pending_changes: z.int().meta({ description: "Client changes logged since (folded by the next retrain)" }),
        rebuild_recommended: z.boolean().meta({
          description: `The client base has grown ${REBUILD_GROWTH_FACTOR}× since the last full rebuild: rebuild the reference groups`,
        }),
        calibration: calibrationSchema,
        quality: qualitySchema,
      })
      .nullable()
      .meta({ description: "null before the first model" }),
    history: z.array(modelVersionSchema).meta({ description: "The latest training runs, newest first" }),
    rebuild: rebuildJobSchema.nullable().meta({ description: "The latest full rebuild, if any" }),
  })
  .meta({ id: "ModelStatus" });

export const retrainResultSchema = z
  .object({
    status: z.enum(["trained", "superseded", "unchanged", "no_data", "rebuild_started", "rebuild_running"]).meta({
      description:
        "trained: a new version is current; superseded: a newer version was published meanwhile; unchanged: " +
        "nothing changed since the current version, nothing was written; no_data: no clients or services yet; " +
        "rebuild_started / rebuild_running: the first statistics are built by a full rebuild (see `job_id`)",
    }),
    version: z.string().nullable().meta({ description: "The version trained (or the current one when unchanged)" }),
    current_version: z.string().nullable(),
    changes_folded: z.int().nullable().meta({ description: "Client changes folded into the statistics" }),
    job_id: z.string().nullable(),
    message: z.string().nullable(),
  })
  .meta({ id: "RetrainResult" });

/** The API view of a retrain result. */
export function retrainResultView(result: RetrainResult) {
  switch (result.status) {
    case "trained":
      return base(result.status, {
        version: result.version,
        current_version: result.version,
        changes_folded: result.folded,
      });
    case "superseded":
      return base(result.status, { version: result.version, current_version: result.current });
    case "unchanged":
      return base(result.status, { version: result.version, current_version: result.version });
    case "no_data":
      return base(result.status, { message: result.message });
    case "rebuild_started":
    case "rebuild_running":
      return base(result.status, {
        job_id: result.jobId,
        message: "The first statistics are being built by a full rebuild; the model is published when it finishes",
      });
  }
}

function base(status: RetrainResult["status"], fields: Partial<z.infer<typeof retrainResultSchema>>) {
  return { status, version: null, current_version: null, changes_folded: null, job_id: null, message: null, ...fields };
}

/** The API view of a rebuild job: its snapshot, as the audit log records it. */
export function rebuildJobView(job: RebuildJobRecord) {
  return rebuildJobSnapshot(job);
}

/** The API view of a version record. */
export function modelVersionView(row: ModelVersionRecord, currentVersion: string | null) {
  return {
    version: row.version,
    status: row.status,
    current: row.version === currentVersion,
    trigger: row.trigger,
    generation: row.generation,
    last_delta_id: row.lastDeltaId,
    clients: row.clientCount,
    created_at: iso(row.createdAt),
    trained_at: isoOrNull(row.trainedAt),
    error: row.error,
  };
}

/** The API view of the current version (its record must be a published one). */
export function currentModelView(row: ModelVersionRecord, latestDeltaId: number) {
  const quality = JSON.parse(row.quality ?? "null") as ModelQuality | null;
  if (!quality || row.trainedAt === null) return null;
  const clients = row.clientCount ?? 0;
  const report = quality.calibration.report;
  return {
    version: row.version,
    trained_at: iso(row.trainedAt),
    trigger: row.trigger,
    generation: row.generation,
    clients,
    services: row.services ?? 0,
    groups: row.groups ?? 0,
    neighbours: row.neighbours ?? 0,
    artefact_bytes: row.artefactBytes ?? 0,
    snapshot_bytes: row.snapshotBytes ?? 0,
    last_delta_id: row.lastDeltaId,
    pending_changes: Math.max(0, latestDeltaId - row.lastDeltaId),
    rebuild_recommended:
      clients >= REBUILD_GROWTH_FACTOR * quality.rebuiltClients &&
      clients - quality.rebuiltClients >= REBUILD_MIN_NEW_CLIENTS,
    calibration: {
      source: quality.calibration.source,
      samples: quality.calibration.samples,
      accepted: quality.calibration.accepted,
      note: quality.calibration.note,
      blend: quality.blend,
      report: report
        ? {
            samples: report.samples,
            accepted: report.accepted,
            log_loss: report.logLoss,
            brier_score: report.brierScore,
            auc: report.auc,
            // Artefacts trained before issue 12 carry no ECE.
            ece: report.ece ?? null,
            cross_validated: report.crossValidated,
            buckets: report.buckets.map((bucket) => ({
              from: bucket.from,
              to: bucket.to,
              count: bucket.count,
              mean_rating: bucket.meanRating,
              observed_rate: bucket.observedRate,
            })),
          }
        : null,
    },
    quality: {
      uses: quality.interactions.uses,
      declines: quality.interactions.declines,
      density: quality.density,
      services_with_users: quality.servicesWithUsers,
      neighbour_coverage: quality.neighbourCoverage,
      mean_top_neighbour_similarity: quality.meanTopNeighbourSimilarity,
      active_groups: quality.activeGroups,
      largest_group_share: quality.largestGroupShare,
      group_cohesion: quality.groupCohesion,
      rebuilt_clients: quality.rebuiltClients,
    },
  };
}
