/**
 * Client profiles and their interactions (the rows of the interaction matrix).
 *
 * A client write is one atomic `db.batch`: the profile row, the current `interactions` cells that
 * changed (upserted) and one append-only `interaction_history` row per changed cell, carrying its
 * previous value. Unchanged cells write nothing, so re-sending the same client is free and adds
 * no history.
 *
 * Concurrency: D1 has no interactive transactions, so the write is planned from a read and then
 * guarded. A new client is inserted (the unique (company, external hash) index refuses a concurrent
 * creation); an existing client is updated only while its `updated_at` still holds the value that
 * was read, and every write moves `updated_at` strictly forward. A lost race aborts the whole batch
 * (nothing of it is applied) and the write is planned again from fresh state, so `previous_value`
 * and the returned changes are always exact. Other writers of a client's `interactions` (deals)
 * should bump `clients.updated_at` in the same batch so that this guard sees them.
 */
import { and, asc, eq, inArray, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { StoredClientProfile } from "../domain/client-profile";
import { DomainError } from "../domain/errors";
import { boundParametersPerRow, chunkRows, D1_MAX_BOUND_PARAMETERS, type Db } from "./db";
import { withStatisticsLog } from "./model-statistics";
import { clients, interactionHistory, interactions, services } from "./schema";
import { newClientOwnedId, slotOfPseudonym } from "./shards";

export type ClientRow = typeof clients.$inferSelect;
export type InteractionSource = (typeof interactions.$inferInsert)["source"];
type NewClientRow = typeof clients.$inferInsert;
type NewInteractionRow = typeof interactions.$inferInsert;
type NewHistoryRow = typeof interactionHistory.$inferInsert;

/** A write statement that can join an atomic `db.batch`. */
export type WriteStatement = BatchItem<"sqlite">;

/** One interaction the caller wants recorded: the service and its new value. */
export interface ClientInteractionInput {
  serviceId: string;
  /** The service's column in the interaction matrix (carried into the returned changes). */
  modelIndex: number;
  /** 1 = uses the service, -1 = offered and declined. */
  value: 1 | -1;
}

/** A matrix cell whose value actually changed: the recommender updates its statistics from these. */
export interface StoredInteractionChange {
  serviceId: string;
  modelIndex: number;
  /** 0 when the cell was empty. */
  previousValue: -1 | 0 | 1;
  value: -1 | 1;
}

export interface ClientWriteInput {
  companyId: string;
  /** `pseudonymize(env.PSEUDONYM_KEY, companyId, externalId)`; the clear id never reaches storage. */
  externalHash: string;
  profile: StoredClientProfile;
  interactions: readonly ClientInteractionInput[];
  /** Who reported the interactions; "crm" for client intake. */
  source?: InteractionSource;
  /** Clock override for tests; defaults to `Date.now()`. */
  now?: number;
}

/** A planned client write: run `statements` (plus any of the caller's own) in one `db.batch`. */
export interface ClientWrite {
  clientId: string;
  /** True when the client did not exist and the statements create it. */
  created: boolean;
  /** Empty when nothing changed (same profile, same interaction values). */
  statements: WriteStatement[];
  changes: StoredInteractionChange[];
  /** The client row as it is once the statements have run. */
  client: ClientRow;
  /** The client's matrix cells as they are once the statements have run (the lead call scores these). */
  cells: StoredCell[];
}

/** A current cell of the interaction matrix of one client. */
export interface StoredCell {
  serviceId: string;
  value: 1 | -1;
  /** Epoch ms of the cell's last change. */
  at: number;
}

/** The outcome of an executed client write. */
export type ClientWriteResult = Omit<ClientWrite, "statements" | "cells">;

/** A stored interaction with its service code, for API answers. */
export interface ClientInteraction {
  serviceId: string;
  serviceCode: string;
  modelIndex: number;
  value: number;
  source: InteractionSource;
  at: number;
}

/** What a write is planned from: the stored row (null if new) and the current cells by service id. */
export interface StoredClientState {
  client: ClientRow | null;
  cells: Map<string, number>;
  /** Epoch ms of each current cell, by service id. */
  cellTimes?: Map<string, number>;
}

/** One planned write, before it is turned into statements (rows of several clients are merged). */
interface PlannedWrite extends ClientWriteResult {
  insert: NewClientRow | null;
  /** Guarded update of an existing client: applied only while `updated_at` = `expectedUpdatedAt`. */
  update: { row: ClientRow; expectedUpdatedAt: number } | null;
  cellRows: NewInteractionRow[];
  historyRows: NewHistoryRow[];
}

/**
 * Attempts of one client write. A write only loses to another writer's commit made after its
 * read, and each competing writer commits once, so up to this many simultaneous writers of one
 * client always all succeed.
 */
const MAX_WRITE_ATTEMPTS = 5;
/** Clients written per `db.batch` in bulk writes (a few hundred statements at most). */
const BULK_GROUP_SIZE = 100;
/** Hashes per `IN (...)` lookup: the rest of the statement binds the company id. */
const HASH_LOOKUP_CHUNK = D1_MAX_BOUND_PARAMETERS - 1;

/** The caller's client with this external hash, or null. */
export async function findClientByExternalHash(db: Db, companyId: string, externalHash: string) {
  const rows = await db
    .select()
    .from(clients)
    .where(and(eq(clients.companyId, companyId), eq(clients.externalHash, externalHash)))
    .limit(1);
  return rows[0] ?? null;
}

/**
 * The current interactions of a client (read from its shard), with service codes from the catalogue
 * (the control database), in model-index order. Cells of services no longer in the catalogue are left out.
 */
export async function getClientInteractions(
  databases: { shard: Db; control: Db },
  clientId: string,
): Promise<ClientInteraction[]> {
  const cells = await databases.shard
    .select({
      serviceId: interactions.serviceId,
      modelIndex: interactions.modelIndex,
      value: interactions.value,
      source: interactions.source,
      at: interactions.at,
    })
    .from(interactions)
    .where(eq(interactions.clientId, clientId))
    .orderBy(asc(interactions.modelIndex));
  if (cells.length === 0) return [];
  const codes = new Map<string, string>();
  for (const chunk of chunkRows([...new Set(cells.map((cell) => cell.serviceId))], 1)) {
    const rows = await databases.control
      .select({ id: services.id, code: services.code })
      .from(services)
      .where(inArray(services.id, chunk));
    for (const row of rows) codes.set(row.id, row.code);
  }
  return cells.flatMap((cell) => {
    const serviceCode = codes.get(cell.serviceId);
    return serviceCode === undefined ? [] : [{ ...cell, serviceCode }];
  });
}

/** The stored needs tags of a client row. */
export function clientNeeds(row: Pick<ClientRow, "needs">): string[] {
  const parsed: unknown = JSON.parse(row.needs);
  return Array.isArray(parsed) ? parsed.filter((tag): tag is string => typeof tag === "string") : [];
}

/**
 * Service id, model index and active flag of each known code (unknown codes are absent). Inactive
 * services are included: interactions with them are still history worth keeping.
 */
export async function resolveServiceCodes(
  db: Db,
  codes: readonly string[],
): Promise<Map<string, { id: string; modelIndex: number; active: boolean }>> {
  const unique = [...new Set(codes)];
  const found = new Map<string, { id: string; modelIndex: number; active: boolean }>();
  for (const chunk of chunkRows(unique, 1)) {
    const rows = await db
      .select({ id: services.id, code: services.code, modelIndex: services.modelIndex, active: services.active })
      .from(services)
      .where(inArray(services.code, chunk));
    for (const row of rows) found.set(row.code, { id: row.id, modelIndex: row.modelIndex, active: row.active });
  }
  return found;
}

/**
 * Plans the write of one client without executing it, so that a caller can add its own statements
 * to the same atomic batch: `await db.batch([...write.statements, ...mine])`. If that batch fails
 * with {@link isClientWriteConflict}, a concurrent write won: build again and retry.
 */
export async function buildClientWrite(db: Db, input: ClientWriteInput): Promise<ClientWrite> {
  const states = await readClientStates(db, input.companyId, [input.externalHash]);
  return buildClientWriteFromState(db, input, states.get(input.externalHash) ?? null);
}

/**
 * {@link buildClientWrite} from a state the caller read itself (e.g. in its own batch of reads;
 * null = the client does not exist). The write's guard still refuses it if the client changed since.
 */
export function buildClientWriteFromState(
  db: Db,
  input: ClientWriteInput,
  state: StoredClientState | null,
): ClientWrite {
  const current = state ?? { client: null, cells: new Map() };
  const planned = planClientWrite(input, current);
  return { ...resultOf(planned), statements: toStatements(db, [planned]), cells: cellsAfter(current, planned) };
}

/**
 * Creates or updates one client with its interactions in one atomic batch and returns the
 * matrix cells that changed. Retries from fresh state when a concurrent write wins; after
 * {@link MAX_WRITE_ATTEMPTS} lost races it answers 409 `conflict` (nothing of this call applied).
 */
export async function upsertClientWithInteractions(
  db: Db,
  input: ClientWriteInput,
  /** Statements of the caller's own that commit in the same batch (e.g. the client's needs). */
  alsoWrite: (clientId: string) => WriteStatement[] = () => [],
): Promise<ClientWriteResult> {
  for (let attempt = 1; ; attempt++) {
    const write = await buildClientWrite(db, input);
    try {
      await runBatch(db, [...write.statements, ...alsoWrite(write.clientId)]);
      return { clientId: write.clientId, created: write.created, changes: write.changes, client: write.client };
    } catch (error) {
      if (!isClientWriteConflict(error)) throw error;
      if (attempt >= MAX_WRITE_ATTEMPTS) throw conflictError();
    }
  }
}

/**
 * Writes many clients of one company (all with distinct external hashes), each fully or not at
 * all. Clients are written in groups of {@link BULK_GROUP_SIZE}, one `db.batch` per group; a group
 * that loses a race is planned again, and if it keeps losing, its clients are written one by one so
 * that only the contended client can fail. Results are in input order. When an error escapes,
 * the groups before it are committed: re-sending the same clients is safe (unchanged values are
 * not written again).
 */
export async function upsertClientsWithInteractions(
  db: Db,
  companyId: string,
  inputs: ReadonlyArray<Omit<ClientWriteInput, "companyId">>,
): Promise<ClientWriteResult[]> {
  const results: ClientWriteResult[] = new Array(inputs.length);
  for (let start = 0; start < inputs.length; start += BULK_GROUP_SIZE) {
    const group = inputs.slice(start, start + BULK_GROUP_SIZE).map((input) => ({ ...input, companyId }));
    const written = await writeGroup(db, companyId, group);
    for (let i = 0; i < written.length; i++) results[start + i] = written[i];
  }
  return results;
}

/**
 * A compare-and-set on the client's `updated_at` for another writer of its matrix (deals): moves it
 * to `now` (strictly forward) while it still holds `expectedUpdatedAt`; otherwise it writes NULL,
 * which violates NOT NULL and rolls back the whole batch ({@link isClientWriteConflict}).
 */
export function clientUnchangedGuard(db: Db, clientId: string, expectedUpdatedAt: number, now: number): WriteStatement {
  return db
    .update(clients)
    .set({
      updatedAt: sql`CASE WHEN ${clients.updatedAt} = ${expectedUpdatedAt} THEN ${Math.max(now, expectedUpdatedAt + 1)} ELSE NULL END`,
    })
    .where(eq(clients.id, clientId));
}

/**
 * Whether an error from `db.batch` means a concurrent write of the same client won: the guarded
 * update found a newer `updated_at`, or another request created the client first.
 */
export function isClientWriteConflict(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const message = e instanceof Error ? e.message : String(e);
    if (message.includes("NOT NULL constraint failed: clients.updated_at")) return true;
    if (message.includes("UNIQUE constraint failed: clients.company_id, clients.external_hash")) return true;
  }
  return false;
}

async function writeGroup(db: Db, companyId: string, group: ClientWriteInput[]): Promise<ClientWriteResult[]> {
  for (let attempt = 1; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const states = await readClientStates(
      db,
      companyId,
      group.map((input) => input.externalHash),
    );
    const planned = group.map((input) =>
      planClientWrite(input, states.get(input.externalHash) ?? { client: null, cells: new Map() }),
    );
    try {
      await runBatch(db, toStatements(db, planned));
      return planned.map(resultOf);
    } catch (error) {
      if (!isClientWriteConflict(error)) throw error;
    }
  }
  const results: ClientWriteResult[] = [];
  for (const input of group) results.push(await upsertClientWithInteractions(db, input));
  return results;
}

async function runBatch(db: Db, statements: WriteStatement[]): Promise<void> {
  if (statements.length === 0) return;
  await db.batch(statements as [WriteStatement, ...WriteStatement[]]);
}

function conflictError(): DomainError {
  return new DomainError(
    "conflict",
    "The client was being changed by concurrent requests; nothing of this request was applied, retry it",
  );
}

/** Stored rows and current cells of the company's clients with these hashes, read in one batch. */
async function readClientStates(db: Db, companyId: string, hashes: string[]): Promise<Map<string, StoredClientState>> {
  const chunks = chunkRows(hashes, 1, HASH_LOOKUP_CHUNK);
  if (chunks.length === 0) return new Map();
  // Rows and cells in ONE round trip: the cells select their clients by the same (company, hash).
  const queries = chunks.flatMap((chunk) => {
    const selected = and(eq(clients.companyId, companyId), inArray(clients.externalHash, chunk));
    return [
      db.select().from(clients).where(selected),
      db
        .select({
          clientId: interactions.clientId,
          serviceId: interactions.serviceId,
          value: interactions.value,
          at: interactions.at,
        })
        .from(interactions)
        .where(inArray(interactions.clientId, db.select({ id: clients.id }).from(clients).where(selected))),
    ];
  });
  const results = await db.batch(queries as unknown as [(typeof queries)[number], ...typeof queries]);
  const rows: ClientRow[] = [];
  const cells: Array<{ clientId: string; serviceId: string; value: number; at: number }> = [];
  results.forEach((result, i) => {
    if (i % 2 === 0) rows.push(...(result as ClientRow[]));
    else cells.push(...(result as typeof cells));
  });
  return clientStatesFrom(rows, cells);
}

/** Client states from already read rows and cells (keyed by external hash). */
export function clientStatesFrom(
  rows: readonly ClientRow[],
  cells: ReadonlyArray<{ clientId: string; serviceId: string; value: number; at: number }>,
): Map<string, StoredClientState> {
  const states = new Map<string, StoredClientState>();
  const byId = new Map<string, StoredClientState>();
  for (const row of rows) {
    const state: StoredClientState = { client: row, cells: new Map(), cellTimes: new Map() };
    states.set(row.externalHash, state);
    byId.set(row.id, state);
  }
  for (const cell of cells) {
    const state = byId.get(cell.clientId);
    if (!state) continue;
    state.cells.set(cell.serviceId, cell.value);
    state.cellTimes?.set(cell.serviceId, cell.at);
  }
  return states;
}

function sameProfile(row: ClientRow, profile: StoredClientProfile, needsJson: string): boolean {
  return (
    row.age === profile.age &&
    row.monthlyIncome === profile.monthlyIncome &&
    row.region === profile.region &&
    row.gender === profile.gender &&
    row.needs === needsJson
  );
}

function planClientWrite(input: ClientWriteInput, state: StoredClientState): PlannedWrite {
  const existing = state.client;
  const source = input.source ?? "crm";
  // Strictly after the stored value, so that every write moves the guard's `updated_at` forward.
  const now = Math.max(input.now ?? Date.now(), existing ? existing.updatedAt + 1 : 0);
  const clientId = existing?.id ?? newClientOwnedId("cl", slotOfPseudonym(input.externalHash));

  const changes: StoredInteractionChange[] = [];
  const cellRows: NewInteractionRow[] = [];
  const historyRows: NewHistoryRow[] = [];
  const seen = new Set<string>();
  for (const interaction of input.interactions) {
    if (seen.has(interaction.serviceId)) continue;
    seen.add(interaction.serviceId);
    const previousValue = normaliseCell(state.cells.get(interaction.serviceId));
    if (previousValue === interaction.value) continue;
    changes.push({
      serviceId: interaction.serviceId,
      modelIndex: interaction.modelIndex,
      previousValue,
      value: interaction.value,
    });
    cellRows.push({
      clientId,
      serviceId: interaction.serviceId,
      modelIndex: interaction.modelIndex,
      value: interaction.value,
      source,
      at: now,
    });
    historyRows.push({
      clientId,
      serviceId: interaction.serviceId,
      value: interaction.value,
      previousValue,
      source,
      at: now,
    });
  }

  const needsJson = JSON.stringify(input.profile.needs);
  const profileColumns = {
    age: input.profile.age,
    monthlyIncome: input.profile.monthlyIncome,
    region: input.profile.region,
    gender: input.profile.gender,
    needs: needsJson,
  };

  if (!existing) {
    const row: ClientRow = {
      id: clientId,
      companyId: input.companyId,
      externalHash: input.externalHash,
      ...profileColumns,
      createdAt: now,
      updatedAt: now,
    };
    return { clientId, created: true, changes, client: row, insert: row, update: null, cellRows, historyRows };
  }
  if (changes.length === 0 && sameProfile(existing, input.profile, needsJson)) {
    return { clientId, created: false, changes, client: existing, insert: null, update: null, cellRows, historyRows };
  }
  const row: ClientRow = { ...existing, ...profileColumns, updatedAt: now };
  return {
    clientId,
    created: false,
    changes,
    client: row,
    insert: null,
    update: { row, expectedUpdatedAt: existing.updatedAt },
    cellRows,
    historyRows,
  };
}

function normaliseCell(value: number | undefined): -1 | 0 | 1 {
  if (value === 1 || value === -1) return value;
  return 0;
}

/** The client's cells once `planned` is applied to `state`. */
function cellsAfter(state: StoredClientState, planned: PlannedWrite): StoredCell[] {
  const cells = new Map<string, StoredCell>();
  for (const [serviceId, value] of state.cells) {
    if (value !== 1 && value !== -1) continue;
    cells.set(serviceId, { serviceId, value, at: state.cellTimes?.get(serviceId) ?? planned.client.updatedAt });
  }
  for (const row of planned.cellRows) {
    cells.set(row.serviceId, { serviceId: row.serviceId, value: row.value as 1 | -1, at: row.at });
  }
  return [...cells.values()];
}

function resultOf(planned: PlannedWrite): ClientWriteResult {
  return { clientId: planned.clientId, created: planned.created, changes: planned.changes, client: planned.client };
}

/** The statements of several planned writes, rows merged into multi-row statements of ≤ 100 parameters. */
function toStatements(db: Db, planned: readonly PlannedWrite[]): WriteStatement[] {
  const statements: WriteStatement[] = [];
  const inserts = planned.flatMap((write) => (write.insert ? [write.insert] : []));
  for (const chunk of chunkRows(inserts, boundParametersPerRow(clients)))
    statements.push(db.insert(clients).values(chunk));
  for (const write of planned) {
    if (!write.update) continue;
    const { row, expectedUpdatedAt } = write.update;
    statements.push(
      db
        .update(clients)
        .set({
          age: row.age,
          monthlyIncome: row.monthlyIncome,
          region: row.region,
          gender: row.gender,
          needs: row.needs,
          // The compare-and-set: a concurrent write moved `updated_at`, so NULL violates NOT NULL
          // and the whole batch is rolled back (see isClientWriteConflict).
          updatedAt: sql`CASE WHEN ${clients.updatedAt} = ${expectedUpdatedAt} THEN ${row.updatedAt} ELSE NULL END`,
        })
        .where(and(eq(clients.id, row.id), eq(clients.companyId, row.companyId))),
    );
  }
  const cellRows = planned.flatMap((write) => write.cellRows);
  for (const chunk of chunkRows(cellRows, boundParametersPerRow(interactions))) {
    statements.push(
      db
        .insert(interactions)
        .values(chunk)
        .onConflictDoUpdate({
          target: [interactions.clientId, interactions.serviceId],
          set: { value: sql`excluded.value`, source: sql`excluded.source`, at: sql`excluded.at` },
        }),
    );
  }
  const historyRows = planned.flatMap((write) => write.historyRows);
  for (const chunk of chunkRows(historyRows, boundParametersPerRow(interactionHistory))) {
    statements.push(db.insert(interactionHistory).values(chunk));
  }
  // The recommender's change log brackets the write (src/storage/model-statistics.ts).
  const written = planned.filter((write) => write.insert || write.update);
  const at = Math.max(0, ...written.map((write) => write.client.updatedAt));
  return withStatisticsLog(
    db,
    written.map((write) => write.clientId),
    statements,
    at,
  );
}
