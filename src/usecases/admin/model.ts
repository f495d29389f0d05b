/**
 * The admin's model use cases: the status of the recommender model (current version, history,
 * latest rebuild), a rebuild job's progress, and the two triggers — retrain now, start a full
 * rebuild — each written to the audit log. The training itself lives in src/usecases/model/.
 */

import { DomainError } from "../../domain/errors";
import { totalLogPosition } from "../../domain/recommender/statistics-snapshot";
import { iso, isoOrNull } from "../../domain/time";
import type { Env } from "../../env";
import { auditEntry } from "../../storage/audit";
import { latestLogPositions } from "../../storage/model-statistics";
import {
  findRebuildJob,
  findVersion,
  latestRebuildJob,
  listVersions,
  type ModelVersionRow,
  type RebuildJobRow,
  readPointer,
} from "../../storage/model-store";
import { clientShards, controlDb } from "../../storage/shards";
import { startModelRebuild } from "../model/rebuild";
import { type RetrainResult, retrainModel } from "../model/retrain";

export { DEFAULT_CLIENTS_PER_STEP, KMEANS_SAMPLE_CLIENTS } from "../model/rebuild";
export type { RetrainResult } from "../model/retrain";

/** A training run's record. */
export type ModelVersionRecord = ModelVersionRow;
/** A full rebuild's record. */
export type RebuildJobRecord = RebuildJobRow;

/** Training runs listed in the history. */
const HISTORY_LENGTH = 10;

export interface ModelStatus {
  /** The version the pointer names, or null before the first model. */
  currentVersion: string | null;
  /** Its record, when the pointer names one. */
  current: ModelVersionRecord | null;
  /** The last client change logged (the current version's `lastDeltaId` tells how many are pending). */
  latestDeltaId: number;
  /** The latest training runs, newest first. */
  history: ModelVersionRecord[];
  /** The latest full rebuild, if any. */
  rebuild: RebuildJobRecord | null;
}

export async function getModelStatus(env: Env): Promise<ModelStatus> {
  const db = controlDb(env);
  const [pointer, history, rebuild, position] = await Promise.all([
    readPointer(db),
    listVersions(db, HISTORY_LENGTH),
    latestRebuildJob(db),
    latestLogPositions(clientShards(env).map((shard) => shard.db)).then(totalLogPosition),
  ]);
  const current = pointer ? await findVersion(db, pointer.version) : null;
  return { currentVersion: pointer?.version ?? null, current, latestDeltaId: position, history, rebuild };
}

/** The rebuild job, or `not_found`. */
export async function getRebuildJob(env: Env, id: string): Promise<RebuildJobRecord> {
  const job = await findRebuildJob(controlDb(env), id);
  if (!job) throw new DomainError("not_found", `Rebuild job ${id} not found`, ["params", "id"]);
  return job;
}

/**
 * Starts a full rebuild through the queue and audits it; answers at once with the job.
 * `conflict` when one is running, `unavailable` when it could not be queued.
 */
export async function startRebuild(env: Env, actor: string): Promise<RebuildJobRecord> {
  const job = await startModelRebuild(env, { requestedBy: actor, trigger: "admin" });
  await auditEntry(controlDb(env), {
    actor,
    action: "model.rebuild_started",
    entityType: "model_rebuild",
    entityId: job.id,
    before: null,
    after: rebuildJobSnapshot(job),
  });
  return job;
}

/** Runs the scheduled retrain now; a publication or a started rebuild is audited. */
export async function retrainNow(env: Env, actor: string): Promise<RetrainResult> {
  const result = await retrainModel(env, { trigger: "admin", requestedBy: actor });
  if (result.status === "trained" || result.status === "rebuild_started") {
    await auditEntry(controlDb(env), {
      actor,
      action: result.status === "trained" ? "model.retrained" : "model.rebuild_started",
      entityType: "model",
      entityId: result.status === "trained" ? result.version : result.jobId,
      before: null,
      after: result,
    });
  }
  return result;
}

export interface RebuildJobSnapshot {
  id: string;
  status: RebuildJobRecord["status"];
  phase: RebuildJobRecord["phase"];
  steps_done: number;
  trigger: RebuildJobRecord["trigger"];
  clients_per_step: number;
  groups: number;
  clients_total: number;
  clients_done: number;
  progress: number;
  changes_reconciled: number;
  version: string | null;
  error: string | null;
  requested_by: string;
  started_at: string;
  updated_at: string;
  finished_at: string | null;
}

/**
 * A rebuild job as the audit log records it and the admin API shows it; `progress` is an
 * estimate that only reaches 1 when the job succeeded.
 */
export function rebuildJobSnapshot(job: RebuildJobRecord): RebuildJobSnapshot {
  const progress =
    job.status === "succeeded" ? 1 : job.clientsTotal > 0 ? Math.min(0.99, job.clientsDone / job.clientsTotal) : 0;
  return {
    id: job.id,
    status: job.status,
    phase: job.phase,
    steps_done: job.step,
    trigger: job.trigger,
    clients_per_step: job.clientsPerStep,
    groups: job.groups,
    clients_total: job.clientsTotal,
    clients_done: job.clientsDone,
    progress: Math.round(progress * 1000) / 1000,
    changes_reconciled: job.deltasReconciled,
    version: job.version,
    error: job.error,
    requested_by: job.requestedBy,
    started_at: iso(job.startedAt),
    updated_at: iso(job.updatedAt),
    finished_at: isoOrNull(job.finishedAt),
  };
}
