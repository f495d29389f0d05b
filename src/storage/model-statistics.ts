/**
 * D1 and binary persistence of the recommender's sufficient statistics (docs/recommender.md, "On
 * the platform"):
 *
 * - the **change log** `model_stat_deltas`: every client write appends, inside its own atomic
 *   `db.batch`, one row per client with the client's state just before and just after the write.
 *   Both states are computed by SQL from `clients` + `interactions` within that transaction, so the
 *   log is exact whatever the writer planned and whoever else wrote the client meanwhile;
 * - **folding**: the retrain turns logged changes into `statisticsDelta`s under the snapshot's
 *   feature space and reference groups, and adds them to the statistics;
 * - the **snapshot codec**: statistics + the generation's group-assignment centroids as one
 *   binary blob (stored in KV by `model-store.ts`);
 * - **client pages** for the chunked full rebuild: a page of clients by id with their matrix rows
 *   and the log position, read in one batch (one consistent read).
 *
 * A client's reference group is not stored: it is a pure function of the client's state and the
 * generation's assignment centroids (the k-means centroids of the last full rebuild), evaluated
 * exactly as `StatisticsAccumulator` evaluates it. So a logged "before" state is always subtracted
 * from the group it was counted in, across feature-space growth and concurrent rebuilds.
 */
import { and, asc, count, desc, eq, gt, inArray, lt, lte, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { alias } from "drizzle-orm/sqlite-core";
import type { Dataset } from "../domain/dataset";
import {
  applyStatisticsDelta,
  type CatalogEntry,
  type ClientState,
  crc32,
  createFeatureSpace,
  createStatistics,
  type DealSample,
  type FeatureSpace,
  featureLayout,
  growStatistics,
  type ModelStatistics,
  PART_NAMES,
  type PartScores,
  profileFromFields,
  type RecommenderProfile,
  type ServiceLink,
  StatisticsAccumulator,
  statisticsDelta,
} from "../domain/recommender";
import { randomToken } from "../lib/ids";
import { chunkRows, type Db } from "./db";
import { clients, crossServiceLinks, interactions, modelStatDeltas, services } from "./schema";

type WriteStatement = BatchItem<"sqlite">;

// ---------------------------------------------------------------------------------------------
// The change log
// ---------------------------------------------------------------------------------------------

/** Bound parameters per logged client in the opening insert (write id, client id, at, client id). */
const LOG_COLUMNS = 4;

/**
 * The JSON state of one client, computed by SQLite: `[age, income, region, gender, needs,
 * [[model_index, value], …]]`, or NULL when the client does not exist.
 */
function clientStateSql(clientId: SQL): SQL {
  return sql`(SELECT json_array(c.age, c.monthly_income, c.region, c.gender, json(c.needs),
    (SELECT json_group_array(json_array(s.model_index, i.value))
       FROM interactions i JOIN services s ON s.id = i.service_id
      WHERE i.client_id = c.id AND i.value IN (1, -1)))
    FROM clients c WHERE c.id = ${clientId})`;
}

/**
 * Statements that log a write of `clientIds` for the recommender: `open` captures each client's
 * state before the write and must run before the write's statements in the same `db.batch`;
 * `close` captures the state after and must run after them. Nothing else is needed: the states are
 * read by SQL inside the batch's transaction.
 */
export function statisticsLogStatements(
  db: Db,
  clientIds: readonly string[],
  at: number,
): { open: WriteStatement[]; close: WriteStatement } {
  const writeId = randomToken(20);
  const unique = [...new Set(clientIds)];
  const open = chunkRows(unique, LOG_COLUMNS).map((chunk) =>
    db
      .insert(modelStatDeltas)
      .values(chunk.map((clientId) => ({ writeId, clientId, at, before: clientStateSql(sql`${clientId}`) }))),
  );
  const close = db
    .update(modelStatDeltas)
    .set({ after: clientStateSql(sql.raw("model_stat_deltas.client_id")) })
    .where(eq(modelStatDeltas.writeId, writeId));
  return { open, close };
}

/**
 * `statements` wrapped in the change log of the clients they write (see
 * {@link statisticsLogStatements}); unchanged when there is nothing to write.
 */
export function withStatisticsLog(
  db: Db,
  clientIds: readonly string[],
  statements: WriteStatement[],
  at: number,
): WriteStatement[] {
  if (statements.length === 0 || clientIds.length === 0) return statements;
  const log = statisticsLogStatements(db, clientIds, at);
  return [...log.open, ...statements, log.close];
}

/** A client's state as the change log records it. */
export interface LoggedClientState {
  age: number;
  monthlyIncome: number;
  region: string;
  gender: "female" | "male" | null;
  needs: string[];
  /** [model index, 1 | -1], ascending by model index. */
  cells: Array<[number, 1 | -1]>;
}

/** One logged client write. */
export interface LoggedChange {
  id: number;
  clientId: string;
  /** null: the client did not exist before (created by the write). */
  before: LoggedClientState | null;
  /** null: the client does not exist after the write. */
  after: LoggedClientState | null;
}

/** A malformed change-log row: the log is written by SQL only, so this means tampering or a bug. */
export class ChangeLogError extends Error {
  constructor(
    readonly detail: string,
    rowId?: number,
  ) {
    super(`statistics change log${rowId === undefined ? "" : ` row ${rowId}`}: ${detail}`);
    this.name = "ChangeLogError";
  }
}

/** Parses a logged state (JSON text written by `clientStateSql`); null stays null. */
export function parseLoggedState(text: string | null): LoggedClientState | null {
  if (text === null) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ChangeLogError("a state is not valid JSON");
  }
  if (!Array.isArray(value) || value.length !== 6) throw new ChangeLogError("a state must be a 6-element array");
  const [age, monthlyIncome, region, gender, needs, cells] = value as unknown[];
  if (typeof age !== "number" || typeof monthlyIncome !== "number" || typeof region !== "string") {
    throw new ChangeLogError("a state has a bad age, income or region");
  }
  if (gender !== null && gender !== "female" && gender !== "male") throw new ChangeLogError("a state has a bad gender");
  if (!Array.isArray(needs) || needs.some((tag) => typeof tag !== "string")) {
    throw new ChangeLogError("a state has bad needs");
  }
  if (!Array.isArray(cells)) throw new ChangeLogError("a state has bad cells");
  const parsedCells: Array<[number, 1 | -1]> = [];
  for (const cell of cells) {
    if (!Array.isArray(cell) || !Number.isInteger(cell[0]) || cell[0] < 0 || (cell[1] !== 1 && cell[1] !== -1)) {
      throw new ChangeLogError("a state has a bad cell");
    }
    parsedCells.push([cell[0], cell[1]]);
  }
  parsedCells.sort((a, b) => a[0] - b[0]);
  return { age, monthlyIncome, region, gender, needs: needs as string[], cells: parsedCells };
}

/** The id of the newest change-log row (0 when the log is empty). */
export async function latestDeltaId(db: Db): Promise<number> {
  const rows = await db.select({ id: sql<number>`COALESCE(MAX(${modelStatDeltas.id}), 0)` }).from(modelStatDeltas);
  return Number(rows[0]?.id ?? 0);
}

/** Logged changes with afterId < id <= throughId, oldest first, at most `limit`. */
export async function readLoggedChanges(
  db: Db,
  afterId: number,
  throughId: number,
  limit: number,
): Promise<LoggedChange[]> {
  const rows = await db
    .select()
    .from(modelStatDeltas)
    .where(and(gt(modelStatDeltas.id, afterId), lte(modelStatDeltas.id, throughId)))
    .orderBy(asc(modelStatDeltas.id))
    .limit(limit);
  return rows.map((row) => {
    try {
      return {
        id: row.id,
        clientId: row.clientId,
        before: parseLoggedState(row.before),
        after: parseLoggedState(row.after),
      };
    } catch (error) {
      if (error instanceof ChangeLogError) throw new ChangeLogError(error.detail, row.id);
      throw error;
    }
  });
}

/**
 * Deletes folded change-log rows with id < throughId, at most `maxRows` of the oldest per call
 * (so one call stays well inside D1's statement time limit). The row at `throughId` itself is kept:
 * the newest id of the log is the statistics' position, and it must never go back. Returns the
 * number of rows deleted.
 */
export async function pruneChangeLog(db: Db, throughId: number, maxRows: number): Promise<number> {
  const result = await db
    .delete(modelStatDeltas)
    .where(
      lt(modelStatDeltas.id, sql`MIN(${throughId}, (SELECT COALESCE(MIN(id), 0) FROM model_stat_deltas) + ${maxRows})`),
    )
    .run();
  return Number(result.meta?.changes ?? 0);
}

// ---------------------------------------------------------------------------------------------
// Snapshots: statistics + the generation's assignment centroids
// ---------------------------------------------------------------------------------------------

/** The statistics the retrain folds deltas into, with what fixes their meaning. */
export interface StatisticsSnapshot {
  stats: ModelStatistics;
  /**
   * D × G (dimension-major) k-means centroids of the generation's full rebuild: the fixed rule that puts a client
   * state into a reference group (the trained model's centroids drift with the group sums; these
   * do not, so a logged state always maps to the group it was counted in).
   */
  assignmentCentroids: Float32Array;
  /** `model_rebuild_jobs.seq` of the rebuild that created the groups. */
  generation: number;
  /** The last change-log id folded into `stats`. */
  lastDeltaId: number;
  /** Clients counted by the generation's rebuild ("rebuild recommended" once the base has grown a lot). */
  rebuiltClients: number;
}

/**
 * Group assignment of client states under fixed centroids. It delegates to a scratch
 * `StatisticsAccumulator` (whose own counts are discarded), so the group is by construction the
 * one the full rebuild's accumulator gives the same state — bit for bit, whatever the domain's
 * numerics. Cost per state: O(cells²) + G × (P + cells); memory: one statistics-sized scratch.
 */
export class GroupAssigner {
  private readonly scratch: StatisticsAccumulator | null;

  constructor(space: FeatureSpace, nGroups: number, centroids: Float32Array) {
    this.scratch = nGroups > 0 ? new StatisticsAccumulator(space, nGroups, centroids) : null;
  }

  /** The group of a client (cells ascending by service), or -1 when no group is active. */
  groupOf(profile: RecommenderProfile, services: ArrayLike<number>, values: ArrayLike<number>): number {
    return this.scratch ? this.scratch.addClient({ profile, interactions: { services, values } }) : -1;
  }
}

/** A logged state in model terms, counted in the group the assigner gives it. */
export function loggedClientState(
  space: FeatureSpace,
  assigner: GroupAssigner,
  state: LoggedClientState | null,
): ClientState | null {
  if (!state) return null;
  const profile = profileFromFields(space, state);
  const services = state.cells.map((cell) => cell[0]);
  const values = state.cells.map((cell) => cell[1]);
  for (const service of services) {
    if (service >= space.nServices) {
      throw new ChangeLogError(`service index ${service} is outside the statistics (${space.nServices} services)`);
    }
  }
  return { profile, interactions: { services, values }, group: assigner.groupOf(profile, services, values) };
}

function sameLoggedState(a: LoggedClientState | null, b: LoggedClientState | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Options of {@link foldChanges}. */
export interface FoldOptions {
  /** Skip changes for which this is false (the rebuild's reconciliation folds only what its pages missed). */
  include?: (change: LoggedChange) => boolean;
  /** An assigner for the snapshot's space and centroids, reused across pages (it holds a statistics-sized scratch). */
  assigner?: GroupAssigner;
}

/**
 * Folds logged changes into the snapshot's statistics, in log order, and moves `lastDeltaId`.
 * The snapshot must already cover every service the changes name (see {@link growSnapshot}).
 * Returns the number of changes that moved the statistics.
 */
export function foldChanges(
  snapshot: StatisticsSnapshot,
  changes: readonly LoggedChange[],
  options: FoldOptions = {},
): number {
  const { stats } = snapshot;
  const assigner = options.assigner ?? new GroupAssigner(stats.space, stats.nGroups, snapshot.assignmentCentroids);
  let folded = 0;
  for (const change of changes) {
    if (change.id <= snapshot.lastDeltaId) continue;
    if ((options.include?.(change) ?? true) && !sameLoggedState(change.before, change.after)) {
      const before = loggedClientState(stats.space, assigner, change.before);
      const after = loggedClientState(stats.space, assigner, change.after);
      applyStatisticsDelta(stats, statisticsDelta(stats.space, before, after, stats.nGroups));
      folded++;
    }
    snapshot.lastDeltaId = change.id;
  }
  return folded;
}

/** The same feature space with `nServices` services. */
export function spaceWithServices(space: FeatureSpace, nServices: number): FeatureSpace {
  return createFeatureSpace({ ...space, nServices });
}

/**
 * The snapshot widened to `nServices` services (services are only ever appended): statistics via
 * `growStatistics`, assignment centroids with zero columns for the new services, which keeps every
 * existing client in its group. Returns the same snapshot when nothing grows.
 */
export function growSnapshot(snapshot: StatisticsSnapshot, nServices: number): StatisticsSnapshot {
  const oldSpace = snapshot.stats.space;
  if (nServices <= oldSpace.nServices) return snapshot;
  const space = spaceWithServices(oldSpace, nServices);
  const stats = growStatistics(snapshot.stats, space);
  return { ...snapshot, stats, assignmentCentroids: growCentroids(snapshot.assignmentCentroids, oldSpace, space) };
}

/**
 * Assignment centroids for a space with more services. Centroids are dimension-major
 * (`[d * G + g]`, the domain's layout) and new services append dimensions at the end of the vector,
 * so the existing values keep their offsets and the new dimensions are zero.
 */
export function growCentroids(centroids: Float32Array, from: FeatureSpace, to: FeatureSpace): Float32Array {
  const oldDims = featureLayout(from).vectorDims;
  const newDims = featureLayout(to).vectorDims;
  const groups = oldDims === 0 ? 0 : centroids.length / oldDims;
  const grown = new Float32Array(groups * newDims);
  grown.set(centroids);
  return grown;
}

/** Empty statistics and all-zero (inactive) assignment centroids for a space. */
export function emptySnapshot(space: FeatureSpace, nGroups: number, generation: number): StatisticsSnapshot {
  return {
    stats: createStatistics(space, nGroups),
    assignmentCentroids: new Float32Array(nGroups * featureLayout(space).vectorDims),
    generation,
    lastDeltaId: 0,
    rebuiltClients: 0,
  };
}

const SNAPSHOT_MAGIC = "CBSTATS1";
// 2: the pair triangle counts co-occurring uses only (declines left out, issue 12); a format-1 snapshot needs a full rebuild.
const SNAPSHOT_FORMAT = 2;
/** The domain's centroid layout the snapshot was written with; anything else is refused, never misread. */
const CENTROID_LAYOUT = "dimension-major";
/** magic (8) + header bytes (4) + CRC-32 of everything after the first 16 bytes (4). */
const SNAPSHOT_PREFIX_BYTES = 16;

interface SnapshotHeader {
  format: number;
  space: {
    nServices: number;
    ageBandEdges: number[];
    incomeBandEdges: number[];
    regions: string[];
    needsVocabulary: string[];
    blockWeights: FeatureSpace["blockWeights"];
    profileShare: number;
  };
  nGroups: number;
  clientCount: number;
  generation: number;
  lastDeltaId: number;
  rebuiltClients: number;
  centroidLayout: typeof CENTROID_LAYOUT;
  /** Caller data stored alongside (the rebuild keeps its step state here). */
  extra: unknown;
}

type SnapshotArrays = Array<Int32Array | Float64Array | Float32Array>;

function snapshotArrays(snapshot: StatisticsSnapshot): SnapshotArrays {
  const s = snapshot.stats;
  return [
    s.pairDot,
    s.servicePositive,
    s.serviceNegative,
    s.segmentMembers,
    s.segmentPositive,
    s.segmentNegative,
    s.groupMembers,
    s.groupPositive,
    s.groupNegative,
    s.groupHistogram,
    s.groupVectorSum,
    snapshot.assignmentCentroids,
  ];
}

const align8 = (value: number) => (value + 7) & ~7;

/**
 * Serialises a snapshot (little-endian): magic, header length, CRC-32, a JSON header (feature
 * space, sizes, generation, log position, `extra`), then the typed arrays of the statistics and the
 * assignment centroids, each 8-byte aligned, in a fixed order whose lengths follow from the header.
 */
export function encodeSnapshot(snapshot: StatisticsSnapshot, extra: unknown = null): Uint8Array {
  const space = snapshot.stats.space;
  const header: SnapshotHeader = {
    format: SNAPSHOT_FORMAT,
    space: {
      nServices: space.nServices,
      ageBandEdges: [...space.ageBandEdges],
      incomeBandEdges: [...space.incomeBandEdges],
      regions: [...space.regions],
      needsVocabulary: [...space.needsVocabulary],
      blockWeights: { ...space.blockWeights },
      profileShare: space.profileShare,
    },
    nGroups: snapshot.stats.nGroups,
    clientCount: snapshot.stats.clientCount,
    generation: snapshot.generation,
    lastDeltaId: snapshot.lastDeltaId,
    rebuiltClients: snapshot.rebuiltClients,
    centroidLayout: CENTROID_LAYOUT,
    extra,
  };
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const arrays = snapshotArrays(snapshot);
  let total = align8(SNAPSHOT_PREFIX_BYTES + headerBytes.byteLength);
  for (const array of arrays) total = align8(total + array.byteLength);
  const out = new Uint8Array(total);
  const view = new DataView(out.buffer);
  for (let i = 0; i < SNAPSHOT_MAGIC.length; i++) out[i] = SNAPSHOT_MAGIC.charCodeAt(i);
  view.setUint32(8, headerBytes.byteLength, true);
  out.set(headerBytes, SNAPSHOT_PREFIX_BYTES);
  let offset = align8(SNAPSHOT_PREFIX_BYTES + headerBytes.byteLength);
  for (const array of arrays) {
    out.set(new Uint8Array(array.buffer, array.byteOffset, array.byteLength), offset);
    offset = align8(offset + array.byteLength);
  }
  view.setUint32(12, crc32(out, SNAPSHOT_PREFIX_BYTES, total), true);
  return out;
}

/** A snapshot that cannot be read back (truncated, corrupted, unknown format). */
export class SnapshotFormatError extends Error {
  constructor(message: string) {
    super(`statistics snapshot: ${message}`);
    this.name = "SnapshotFormatError";
  }
}

/**
 * Reads a snapshot written by {@link encodeSnapshot} into fresh, writable arrays.
 * @throws SnapshotFormatError on bad magic, format, checksum or sizes.
 */
export function decodeSnapshot(bytes: Uint8Array): { snapshot: StatisticsSnapshot; extra: unknown } {
  if (bytes.byteLength < SNAPSHOT_PREFIX_BYTES) throw new SnapshotFormatError("too short");
  for (let i = 0; i < SNAPSHOT_MAGIC.length; i++) {
    if (bytes[i] !== SNAPSHOT_MAGIC.charCodeAt(i)) throw new SnapshotFormatError("bad magic");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(8, true);
  if (crc32(bytes, SNAPSHOT_PREFIX_BYTES, bytes.byteLength) !== view.getUint32(12, true)) {
    throw new SnapshotFormatError("checksum mismatch (corrupted or truncated)");
  }
  let header: SnapshotHeader;
  try {
    header = JSON.parse(
      new TextDecoder().decode(bytes.subarray(SNAPSHOT_PREFIX_BYTES, SNAPSHOT_PREFIX_BYTES + headerLength)),
    ) as SnapshotHeader;
  } catch {
    throw new SnapshotFormatError("header is not valid JSON");
  }
  if (header.format !== SNAPSHOT_FORMAT) throw new SnapshotFormatError(`format ${header.format} is not supported`);
  if (header.centroidLayout !== CENTROID_LAYOUT) {
    throw new SnapshotFormatError(`centroid layout ${header.centroidLayout} is not supported`);
  }
  const space = createFeatureSpace(header.space);
  const snapshot: StatisticsSnapshot = {
    stats: createStatistics(space, header.nGroups),
    assignmentCentroids: new Float32Array(header.nGroups * featureLayout(space).vectorDims),
    generation: header.generation,
    lastDeltaId: header.lastDeltaId,
    rebuiltClients: header.rebuiltClients,
  };
  snapshot.stats.clientCount = header.clientCount;
  let offset = align8(SNAPSHOT_PREFIX_BYTES + headerLength);
  for (const array of snapshotArrays(snapshot)) {
    if (offset + array.byteLength > bytes.byteLength) throw new SnapshotFormatError("truncated");
    new Uint8Array(array.buffer, array.byteOffset, array.byteLength).set(
      bytes.subarray(offset, offset + array.byteLength),
    );
    offset = align8(offset + array.byteLength);
  }
  return { snapshot, extra: header.extra };
}

// ---------------------------------------------------------------------------------------------
// Client pages for the full rebuild
// ---------------------------------------------------------------------------------------------

/** One client row of a rebuild page. */
export interface PageClient {
  id: string;
  age: number;
  monthlyIncome: number;
  region: string;
  gender: "female" | "male" | null;
  needs: string;
}

/** Clients with id > `afterId` (at most `limit`, by id) with their matrix rows, and the log position they reflect. */
export interface ClientPage {
  clients: PageClient[];
  /** Cells of the page's clients: client id, model index, value (ascending by client id, then model index). */
  cells: Array<{ clientId: string; modelIndex: number; value: number }>;
  /** The newest change-log id at the moment of the read: the page's states reflect exactly the log up to it. */
  maxDeltaId: number;
}

/**
 * Reads a page of clients (by id, which is random, so any page is a uniform sample), their cells
 * and the log position in one batch — one transaction, so the three agree.
 */
export async function readClientPage(db: Db, afterId: string, limit: number): Promise<ClientPage> {
  const pageIds = db
    .select({ id: clients.id })
    .from(clients)
    .where(gt(clients.id, afterId))
    .orderBy(asc(clients.id))
    .limit(limit);
  const [rows, cells, position] = await db.batch([
    db
      .select({
        id: clients.id,
        age: clients.age,
        monthlyIncome: clients.monthlyIncome,
        region: clients.region,
        gender: clients.gender,
        needs: clients.needs,
      })
      .from(clients)
      .where(gt(clients.id, afterId))
      .orderBy(asc(clients.id))
      .limit(limit),
    db
      .select({ clientId: interactions.clientId, modelIndex: services.modelIndex, value: interactions.value })
      .from(interactions)
      .innerJoin(services, eq(services.id, interactions.serviceId))
      .where(inArray(interactions.clientId, pageIds))
      .orderBy(asc(interactions.clientId), asc(services.modelIndex)),
    db.select({ id: sql<number>`COALESCE(MAX(${modelStatDeltas.id}), 0)` }).from(modelStatDeltas),
  ]);
  return { clients: rows, cells, maxDeltaId: Number(position[0]?.id ?? 0) };
}

/** Highest model index among the page's cells (-1 when none). */
export function pageMaxService(page: ClientPage): number {
  let max = -1;
  for (const cell of page.cells) if (cell.modelIndex > max) max = cell.modelIndex;
  return max;
}

function parseNeeds(text: string): string[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((tag): tag is string => typeof tag === "string") : [];
  } catch {
    return [];
  }
}

/**
 * A page as a columnar `Dataset` in the feature space: unknown regions go to the "other" slot,
 * unknown needs are dropped — the same mapping `profileFromFields` applies to logged states.
 * @throws RangeError when a cell names a service outside the space (grow the space first).
 */
export function pageDataset(space: FeatureSpace, page: ClientPage): Dataset {
  const count = page.clients.length;
  const regionIndex = new Map(space.regions.map((region, i) => [region, i]));
  const needIndex = new Map(space.needsVocabulary.map((tag, i) => [tag, i]));
  const age = new Float32Array(count);
  const monthlyIncome = new Float32Array(count);
  const region = new Uint16Array(count);
  const gender = new Int8Array(count);
  const needsPtr = new Int32Array(count + 1);
  const needs: number[] = [];
  const rowOf = new Map<string, number>();
  page.clients.forEach((client, row) => {
    rowOf.set(client.id, row);
    age[row] = client.age;
    monthlyIncome[row] = client.monthlyIncome;
    // 0xffff is outside every region list: the "other region" slot.
    region[row] = regionIndex.get(client.region) ?? 0xffff;
    gender[row] = client.gender === "female" ? 1 : client.gender === "male" ? 2 : 0;
    const seen = new Set<number>();
    for (const tag of parseNeeds(client.needs)) {
      const index = needIndex.get(tag);
      if (index !== undefined && !seen.has(index)) {
        seen.add(index);
        needs.push(index);
      }
    }
    needsPtr[row + 1] = needs.length;
  });
  const rowPtr = new Int32Array(count + 1);
  for (const cell of page.cells) {
    const row = rowOf.get(cell.clientId);
    if (row === undefined) continue;
    if (cell.modelIndex >= space.nServices) {
      throw new RangeError(`service index ${cell.modelIndex} is outside the space (${space.nServices} services)`);
    }
    rowPtr[row + 1]++;
  }
  for (let row = 0; row < count; row++) rowPtr[row + 1] += rowPtr[row];
  const fill = rowPtr.slice(0, count);
  const col = new Int32Array(rowPtr[count]);
  const value = new Int8Array(rowPtr[count]);
  // Cells arrive ordered by (client id, model index), so each row's columns stay ascending.
  for (const cell of page.cells) {
    const row = rowOf.get(cell.clientId);
    if (row === undefined) continue;
    const slot = fill[row]++;
    col[slot] = cell.modelIndex;
    value[slot] = cell.value > 0 ? 1 : -1;
  }
  return {
    nServices: space.nServices,
    regions: [...space.regions],
    needsVocabulary: [...space.needsVocabulary],
    clients: { count, age, monthlyIncome, region, gender, needsPtr, needsIdx: Uint16Array.from(needs) },
    interactions: { rowPtr, col, value },
  };
}

/**
 * Adds a page to running statistics: a fresh accumulator over the page whose arrays are then
 * summed into `into` (integer counts exactly; float group sums in page order).
 */
export function accumulatePage(into: StatisticsSnapshot, dataset: Dataset): void {
  const stats = into.stats;
  const accumulator = new StatisticsAccumulator(stats.space, stats.nGroups, into.assignmentCentroids);
  accumulator.addDataset(dataset);
  const page = accumulator.stats;
  stats.clientCount += page.clientCount;
  const pairs: Array<[Int32Array | Float64Array, Int32Array | Float64Array]> = [
    [stats.pairDot, page.pairDot],
    [stats.servicePositive, page.servicePositive],
    [stats.serviceNegative, page.serviceNegative],
    [stats.segmentMembers, page.segmentMembers],
    [stats.segmentPositive, page.segmentPositive],
    [stats.segmentNegative, page.segmentNegative],
    [stats.groupMembers, page.groupMembers],
    [stats.groupPositive, page.groupPositive],
    [stats.groupNegative, page.groupNegative],
    [stats.groupHistogram, page.groupHistogram],
    [stats.groupVectorSum, page.groupVectorSum],
  ];
  for (const [target, source] of pairs) {
    for (let i = 0; i < source.length; i++) if (source[i] !== 0) target[i] += source[i];
  }
}

/** Vocabulary limits of a rebuilt feature space: rarer values share the "other region" slot or are ignored. */
export const MAX_REGIONS = 100;
export const MAX_NEEDS_VOCABULARY = 200;

/** The most common regions and needs tags of all clients (most common first, then by name). */
export async function readVocabulary(db: Db): Promise<{ regions: string[]; needs: string[] }> {
  const regions = await db
    .select({ value: clients.region })
    .from(clients)
    .groupBy(clients.region)
    .orderBy(desc(count()), asc(clients.region))
    .limit(MAX_REGIONS);
  const needs = await db.all<{ value: string }>(
    sql`SELECT j.value AS value FROM clients, json_each(clients.needs) j
         WHERE j.type = 'text' GROUP BY j.value ORDER BY COUNT(*) DESC, j.value LIMIT ${MAX_NEEDS_VOCABULARY}`,
  );
  return { regions: regions.map((row) => row.value), needs: needs.map((row) => row.value) };
}

// ---------------------------------------------------------------------------------------------
// Training inputs besides the statistics
// ---------------------------------------------------------------------------------------------

/**
 * The catalog in model-index order, one entry per index 0..max. Indices are dense by construction
 * (assigned as max + 1, never reused); a missing index would get an empty placeholder entry, which
 * the serving path never recommends because no service row stands behind it.
 */
export async function readTrainingCatalog(db: Db): Promise<CatalogEntry[]> {
  const rows = await db
    .select({ modelIndex: services.modelIndex, code: services.code, name: services.name, category: services.category })
    .from(services)
    .orderBy(asc(services.modelIndex));
  const n = rows.length === 0 ? 0 : rows[rows.length - 1].modelIndex + 1;
  const catalog: CatalogEntry[] = Array.from({ length: n }, () => ({ code: "", name: "", category: "" }));
  for (const row of rows) catalog[row.modelIndex] = { code: row.code, name: row.name, category: row.category };
  return catalog;
}

/** The admin's cross-service links by model index (self-links, which the model refuses, are skipped). */
export async function readTrainingLinks(db: Db): Promise<ServiceLink[]> {
  const from = alias(services, "link_from");
  const to = alias(services, "link_to");
  const rows = await db
    .select({ from: from.modelIndex, to: to.modelIndex, weight: crossServiceLinks.weight })
    .from(crossServiceLinks)
    .innerJoin(from, eq(from.id, crossServiceLinks.fromServiceId))
    .innerJoin(to, eq(to.id, crossServiceLinks.toServiceId))
    .orderBy(asc(from.modelIndex), asc(to.modelIndex));
  return rows.filter((row) => row.from !== row.to && row.weight > 0 && row.weight <= 1);
}

/** Most deal samples one retrain fits the blend on (the most recent deals). */
export const MAX_DEAL_SAMPLES = 5000;

/**
 * Recent deals joined with the part scores of the last scoring of the same (client, service) at or
 * before the deal (`scored_candidates.part_*`, recorded by the lead call): the samples of `fitBlend`.
 * Deals without recorded part scores are left out.
 */
export async function readDealSamples(db: Db, limit = MAX_DEAL_SAMPLES): Promise<DealSample[]> {
  const columns = sql.raw(PART_NAMES.map((name) => `sc.part_${name} AS part_${name}`).join(", "));
  const complete = sql.raw(PART_NAMES.map((name) => `s2.part_${name} IS NOT NULL`).join(" AND "));
  const rows = await db.all<Record<string, unknown>>(sql`
    SELECT d.outcome AS outcome, ${columns}
      FROM deals d
      JOIN scored_candidates sc ON sc.id = (
           SELECT s2.id FROM scored_candidates s2
            WHERE s2.client_id = d.client_id AND s2.service_id = d.service_id AND s2.at <= d.occurred_at
              AND ${complete}
            ORDER BY s2.at DESC, s2.id DESC LIMIT 1)
     ORDER BY d.occurred_at DESC, d.id DESC
     LIMIT ${limit}`);
  return rows.map((row) => {
    const parts = {} as PartScores;
    for (const name of PART_NAMES) parts[name] = Number(row[`part_${name}`]);
    return { accepted: row.outcome === "accepted", parts };
  });
}
