/**
 * D1 side of the recommender's sufficient statistics (docs/recommender.md, "On the platform"); the
 * maths on them (group assignment, folding, growing, accumulating pages) is pure and lives in
 * src/domain/recommender/statistics-*.ts and paged-rebuild.ts:
 *
 * - the **change log** `model_stat_deltas`: every client write appends, inside its own atomic
 *   `db.batch`, one row per client with the client's state just before and just after the write.
 *   Both states are computed by SQL from `clients` + `interactions` within that transaction, so the
 *   log is exact whatever the writer planned and whoever else wrote the client meanwhile; reads
 *   decode each row into a `LoggedChange`;
 * - **client pages** for the chunked full rebuild: a page of clients by id with their matrix rows
 *   and the log position, read in one batch (one consistent read);
 * - the clients' vocabulary and count, which size a rebuild's feature space and groups.
 */
import { and, asc, count, eq, gt, inArray, lt, lte, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { type ClientPage, MAX_NEEDS_VOCABULARY, MAX_REGIONS } from "../domain/recommender/paged-rebuild";
import { ChangeLogError, type LoggedChange, type LoggedClientState } from "../domain/recommender/statistics-fold";
import { randomToken } from "../lib/ids";
import { chunkRows, type Db } from "./db";
import { clients, interactions, modelStatDeltas } from "./schema";

// ---------------------------------------------------------------------------------------------
// The change log
// ---------------------------------------------------------------------------------------------

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
    (SELECT json_group_array(json_array(i.model_index, i.value))
       FROM interactions i
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
  if (
    typeof age !== "number" ||
    (monthlyIncome !== null && typeof monthlyIncome !== "number") ||
    typeof region !== "string"
  ) {
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
  return {
    age,
    monthlyIncome: monthlyIncome as number | null,
    region,
    gender,
    needs: needs as string[],
    cells: parsedCells,
  };
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
// Client pages for the full rebuild, vocabulary and size
// ---------------------------------------------------------------------------------------------

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
      .select({ clientId: interactions.clientId, modelIndex: interactions.modelIndex, value: interactions.value })
      .from(interactions)
      .where(inArray(interactions.clientId, pageIds))
      .orderBy(asc(interactions.clientId), asc(interactions.modelIndex)),
    db.select({ id: sql<number>`COALESCE(MAX(${modelStatDeltas.id}), 0)` }).from(modelStatDeltas),
  ]);
  return {
    clients: rows.map((row) => ({ ...row, needs: parseNeeds(row.needs) })),
    cells,
    maxDeltaId: Number(position[0]?.id ?? 0),
  };
}

/** The JSON needs column as tags (anything unreadable counts as no needs). */
function parseNeeds(text: string): string[] {
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) ? parsed.filter((tag): tag is string => typeof tag === "string") : [];
  } catch {
    return [];
  }
}

/** The most common regions and needs tags of all clients of every shard (most common first, then by name). */
export async function readVocabulary(shards: readonly Db[]): Promise<{ regions: string[]; needs: string[] }> {
  const perShard = await Promise.all(
    shards.map((db) =>
      Promise.all([
        db.select({ value: clients.region, n: count() }).from(clients).groupBy(clients.region),
        db.all<{ value: string; n: number }>(
          sql`SELECT j.value AS value, COUNT(*) AS n FROM clients, json_each(clients.needs) j
               WHERE j.type = 'text' GROUP BY j.value`,
        ),
      ]),
    ),
  );
  const regions = new Map<string, number>();
  const needs = new Map<string, number>();
  for (const [regionRows, needRows] of perShard) {
    for (const row of regionRows) regions.set(row.value, (regions.get(row.value) ?? 0) + Number(row.n));
    for (const row of needRows) needs.set(row.value, (needs.get(row.value) ?? 0) + Number(row.n));
  }
  const mostCommon = (counts: Map<string, number>, limit: number) =>
    [...counts]
      .sort(([a, x], [b, y]) => y - x || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, limit)
      .map(([value]) => value);
  return { regions: mostCommon(regions, MAX_REGIONS), needs: mostCommon(needs, MAX_NEEDS_VOCABULARY) };
}

/** Number of clients on the platform (every shard). */
export async function countClients(shards: readonly Db[]): Promise<number> {
  const counted = await Promise.all(shards.map((db) => db.select({ clients: count() }).from(clients)));
  return counted.reduce((sum, rows) => sum + Number(rows[0]?.clients ?? 0), 0);
}

/** The newest change-log id of every shard, in shard order. */
export async function latestLogPositions(shards: readonly Db[]): Promise<number[]> {
  return Promise.all(shards.map((db) => latestDeltaId(db)));
}
