/**
 * Training and publishing one model version from statistics (shared by the scheduled / admin
 * retrain and the last step of a full rebuild): read the other training inputs, train, write the
 * artefact and the statistics snapshot under the new version's own KV keys, record the version,
 * then flip the pointer — which only ever moves forward, so of concurrent publishers the newest
 * wins and the others delete what they wrote. See docs/recommender.md, "On the platform".
 */

import {
  type BlendWeights,
  type CatalogEntry,
  DEFAULT_TRAINING_CONFIG,
  type DealSample,
  decodeModel,
  encodeModel,
  featureLayout,
  type ModelCalibration,
  type RecommenderModel,
  type ServiceLink,
  trainFromStatistics,
} from "../../domain/recommender";
import type { StatisticsSnapshot } from "../../domain/recommender/statistics-snapshot";
import { totalLogPosition } from "../../domain/recommender/statistics-snapshot";
import type { Env } from "../../env";
import { sha256Hex } from "../../lib/crypto";
import type { Db } from "../../storage/db";
import { pruneChangeLog } from "../../storage/model-statistics";
import {
  artefactKeyOf,
  beginVersion,
  deleteKeys,
  flipPointer,
  type ModelPointer,
  type ModelVersionTrigger,
  markPruned,
  parseLogPositions,
  putBinary,
  readPointer,
  readyVersions,
  rememberServingModel,
  runningRebuildStartPositions,
  snapshotKeyOf,
  syncPointerMirror,
  updateVersion,
} from "../../storage/model-store";
import { clientShards, controlDb, type DatabaseBindings } from "../../storage/shards";
import { encodeSnapshot } from "../../storage/statistics-snapshot-codec";
import { readDealSamples, readTrainingCatalog, readTrainingLinks } from "../../storage/training-inputs";

/** Published versions whose artefact and snapshot stay in KV (the current one and the newest others). */
export const KEEP_VERSIONS = 3;
/** Most deal samples one retrain fits the blend on (the most recent deals). */
export const MAX_DEAL_SAMPLES = 5000;
/** Change-log rows deleted per publish at most (older rows go at the next one). */
export const PRUNE_LOG_ROWS_PER_RUN = 50_000;

/** Everything besides the statistics that a model is trained from. */
export interface TrainingInputs {
  catalog: CatalogEntry[];
  links: ServiceLink[];
  deals: DealSample[];
}

/** Reads the catalog and the business links (control database) and the deal samples (every shard). */
export async function readTrainingInputs(env: DatabaseBindings): Promise<TrainingInputs> {
  const db = controlDb(env);
  const [catalog, links, deals] = await Promise.all([
    readTrainingCatalog(db),
    readTrainingLinks(db),
    readDealSamples(
      clientShards(env).map((shard) => shard.db),
      MAX_DEAL_SAMPLES,
    ),
  ]);
  return { catalog, links, deals };
}

/**
 * Identity of a training run: the statistics (their generation and the change-log position they are
 * folded through determine them exactly), the catalog, the links, the deal samples and the
 * configuration. Equal hashes mean an identical model, so a retrain can answer "unchanged".
 */
export async function hashTrainingInputs(
  generation: number,
  logPositions: readonly number[],
  inputs: TrainingInputs,
): Promise<string> {
  return sha256Hex(
    JSON.stringify({
      generation,
      logPositions,
      catalog: inputs.catalog,
      links: inputs.links,
      deals: inputs.deals,
      config: DEFAULT_TRAINING_CONFIG,
    }),
  );
}

/** Cheap quality figures of a trained model, from its statistics (shown by `GET /v1/admin/model`). */
export interface ModelQuality {
  calibration: ModelCalibration;
  blend: BlendWeights;
  /** Clients counted by the full rebuild that made the current reference groups. */
  rebuiltClients: number;
  /** Non-zero cells of the interaction matrix: uses and declines. */
  interactions: { uses: number; declines: number };
  /** Share of the matrix that is non-zero. */
  density: number;
  /** Services at least one client uses. */
  servicesWithUsers: number;
  /** Share of services with at least one item-kNN neighbour. */
  neighbourCoverage: number;
  /** Mean similarity of each service to its nearest neighbour (services with one). */
  meanTopNeighbourSimilarity: number;
  /** Reference groups with members, and the largest group's share of the grouped clients. */
  activeGroups: number;
  largestGroupShare: number;
  /** Mean cosine of the grouped clients to their group's centroid (1 = tight groups). */
  groupCohesion: number;
}

/** Computes the {@link ModelQuality} figures in O(n·k + G·D). */
export function modelQuality(snapshot: StatisticsSnapshot, model: RecommenderModel): ModelQuality {
  const stats = snapshot.stats;
  const n = stats.space.nServices;
  let uses = 0;
  let declines = 0;
  let servicesWithUsers = 0;
  for (let s = 0; s < n; s++) {
    uses += stats.servicePositive[s];
    declines += stats.serviceNegative[s];
    if (stats.servicePositive[s] > 0) servicesWithUsers++;
  }
  let withNeighbour = 0;
  let topSimilarity = 0;
  for (let s = 0; s < n; s++) {
    if (model.neighbourIndex[s * model.neighbours] >= 0 && model.neighbourSimilarity[s * model.neighbours] > 0) {
      withNeighbour++;
      topSimilarity += model.neighbourSimilarity[s * model.neighbours];
    }
  }
  const D = featureLayout(stats.space).vectorDims;
  let activeGroups = 0;
  let largest = 0;
  let grouped = 0;
  let normSum = 0;
  for (let g = 0; g < stats.nGroups; g++) {
    const members = stats.groupMembers[g];
    if (members <= 0) continue;
    activeGroups++;
    grouped += members;
    largest = Math.max(largest, members);
    let squared = 0;
    for (let d = g * D; d < (g + 1) * D; d++) squared += stats.groupVectorSum[d] * stats.groupVectorSum[d];
    // Σ over members of cos(member, centroid) = ‖Σ members‖ because the centroid is their unit mean direction.
    normSum += Math.sqrt(squared);
  }
  const cells = Math.max(0, stats.clientCount) * n;
  return {
    calibration: model.calibration,
    blend: model.blend,
    rebuiltClients: snapshot.rebuiltClients,
    interactions: { uses, declines },
    density: cells > 0 ? (uses + declines) / cells : 0,
    servicesWithUsers,
    neighbourCoverage: n > 0 ? withNeighbour / n : 0,
    meanTopNeighbourSimilarity: withNeighbour > 0 ? topSimilarity / withNeighbour : 0,
    activeGroups,
    largestGroupShare: grouped > 0 ? largest / grouped : 0,
    groupCohesion: grouped > 0 ? normSum / grouped : 0,
  };
}

/** Result of {@link publishModel}. */
export type PublishResult =
  | { status: "published"; version: string; trainedAt: number; pointer: ModelPointer }
  | { status: "superseded"; version: string; trainedAt: number; current: string | null };

/** Input of {@link publishModel}. */
export interface PublishInput {
  snapshot: StatisticsSnapshot;
  inputs: TrainingInputs;
  inputHash: string;
  trigger: ModelVersionTrigger;
  now: number;
}

/**
 * Trains a model from the snapshot and publishes it: version record, KV artefact + snapshot under
 * new keys, conditional pointer flip, KV mirror, this isolate's serving cache, pruning of old
 * versions and folded change-log rows. A run that loses the flip to a newer model deletes its keys
 * and reports "superseded". A failure before the flip leaves the current model untouched.
 * @throws RangeError when the inputs do not fit together (a bug: the catalog must cover the statistics).
 */
export async function publishModel(env: Env, input: PublishInput): Promise<PublishResult> {
  const db = controlDb(env);
  const { snapshot, inputs, now } = input;
  const { seq, version } = await beginVersion(db, {
    trigger: input.trigger,
    generation: snapshot.generation,
    lastDeltaId: totalLogPosition(snapshot.logPositions),
    logPositions: JSON.stringify(snapshot.logPositions),
    inputHash: input.inputHash,
    now,
  });
  const artefactKey = artefactKeyOf(version);
  const snapshotKey = snapshotKeyOf(version);
  let model: RecommenderModel;
  try {
    const trained = trainFromStatistics(
      snapshot.stats,
      inputs.catalog,
      inputs.links,
      { version, trainedAt: now },
      inputs.deals,
    );
    const artefact = encodeModel(trained);
    // Serve exactly what was stored: the decoded artefact, checked as a fresh isolate will check it.
    model = decodeModel(artefact, { verify: "full" });
    const snapshotBytes = encodeSnapshot(snapshot);
    await Promise.all([putBinary(env.MODEL, artefactKey, artefact), putBinary(env.MODEL, snapshotKey, snapshotBytes)]);
    await updateVersion(db, seq, {
      status: "ready",
      artefactKey,
      snapshotKey,
      artefactBytes: artefact.byteLength,
      snapshotBytes: snapshotBytes.byteLength,
      clientCount: snapshot.stats.clientCount,
      services: model.nServices,
      groups: model.nGroups,
      neighbours: model.neighbours,
      quality: JSON.stringify(modelQuality(snapshot, model)),
      trainedAt: now,
    });
  } catch (error) {
    await updateVersion(db, seq, { status: "failed", error: errorText(error) }).catch(() => undefined);
    await deleteKeys(env.MODEL, [artefactKey, snapshotKey]).catch(() => undefined);
    throw error;
  }

  const pointer: ModelPointer = {
    version,
    seq,
    generation: snapshot.generation,
    lastDeltaId: totalLogPosition(snapshot.logPositions),
    logPositions: JSON.stringify(snapshot.logPositions),
    artefactKey,
    snapshotKey,
    updatedAt: now,
  };
  if (!(await flipPointer(db, pointer))) {
    await updateVersion(db, seq, { status: "discarded", error: "A newer model was published first" });
    await deleteKeys(env.MODEL, [artefactKey, snapshotKey]);
    const current = await readPointer(db);
    return { status: "superseded", version, trainedAt: now, current: current?.version ?? null };
  }
  rememberServingModel(env, { pointer, model }, now);
  // Housekeeping after the flip: a failure here never affects the published model.
  try {
    await syncPointerMirror(env);
    await pruneOldVersions(env, db);
  } catch (error) {
    console.error(JSON.stringify({ event: "model_housekeeping_failed", version, error: errorText(error) }));
  }
  return { status: "published", version, trainedAt: now, pointer };
}

/**
 * Deletes the KV keys of published versions beyond the newest {@link KEEP_VERSIONS} (never the
 * current one) and the change-log rows every kept snapshot (and a running rebuild) has folded.
 */
export async function pruneOldVersions(env: Env, db: Db): Promise<void> {
  const pointer = await readPointer(db);
  if (!pointer) return;
  const ready = await readyVersions(db);
  const kept = ready.filter((row, i) => i < KEEP_VERSIONS || row.version === pointer.version);
  const keptNames = new Set(kept.map((row) => row.version));
  const old = ready.filter((row) => !keptNames.has(row.version)).slice(0, 50);
  if (old.length > 0) {
    await deleteKeys(
      env.MODEL,
      old.flatMap((row) => [row.artefactKey, row.snapshotKey]),
    );
    await markPruned(
      db,
      old.map((row) => row.seq),
    );
  }
  await pruneFoldedChangeLog(env, db, pointer, kept);
}

/**
 * Deletes, in every shard, the change-log rows that the current pointer and every kept snapshot have
 * folded (and that a running rebuild does not still need), at most PRUNE_LOG_ROWS_PER_RUN per shard
 * and call. Rows past any of those positions stay. Also run by the daily housekeeping, so a backlog
 * drains without a publish. Returns the number of rows deleted.
 */
export async function pruneFoldedChangeLog(
  env: DatabaseBindings,
  db: Db,
  pointer?: ModelPointer | null,
  kept?: ReadonlyArray<{ logPositions: string }>,
): Promise<number> {
  const current = pointer === undefined ? await readPointer(db) : pointer;
  if (!current) return 0;
  const snapshots = kept ?? (await readyVersions(db)).slice(0, KEEP_VERSIONS);
  const marks = [current.logPositions, ...snapshots.map((row) => row.logPositions)].map(parseLogPositions);
  const rebuildStart = await runningRebuildStartPositions(db);
  if (rebuildStart !== null) marks.push(rebuildStart);
  const pruned = await Promise.all(
    clientShards(env).map((shard) => {
      const foldedByAll = Math.min(...marks.map((positions) => positions[shard.index] ?? 0));
      return foldedByAll > 0 ? pruneChangeLog(shard.db, foldedByAll, PRUNE_LOG_ROWS_PER_RUN) : Promise.resolve(0);
    }),
  );
  return pruned.reduce((sum, n) => sum + n, 0);
}

/** A short, log-safe description of an error. */
export function errorText(error: unknown): string {
  return (error instanceof Error ? `${error.name}: ${error.message}` : String(error)).slice(0, 500);
}
