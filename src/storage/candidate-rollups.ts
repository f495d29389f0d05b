/**
 * Daily rollups of scored candidates (`candidate_rollups`, client data: one table per shard). The lead
 * call adds every service it rated to its day's rows; a deal on a lead moves the lead's count from its
 * old outcome to the new one; the threshold preview, the calibration report and the funnel read the
 * rows of a window (fanned out over the shards by the use cases) instead of the raw candidates, which
 * are kept only a few days (docs/storage.md).
 *
 * Writes are staged: the lead call's batch appends one `candidate_rollup_pending` row with all its
 * increments, a deal's batch one row with its move, and {@link foldPendingRollups} adds many such rows
 * to the rollups at a time. Upserting a call's forty-odd keys directly dirtied about as many pages of
 * the rollups in every call (a tenth of the lead call's CPU in workerd, measured side by side under
 * load); an append dirties one, and a fold touches each page once for many calls. Sums commute, so
 * rows fold in any order; the reads add the rows not folded yet ({@link loadRollupRows}), so a report
 * is exact whenever it runs.
 *
 * A report's window is widened to whole UTC days: a day's row counts when the day overlaps the
 * window (docs/analytics.md, "Windows").
 */
import { type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { RecordedDecision } from "../domain/lead-selection";
import { DAY_MS } from "../domain/time";
import type { Db } from "./db";
import { candidateRollupPending } from "./schema";

type Statement = BatchItem<"sqlite">;

/** Standing outcome codes of a candidate, as the rollup keys them. */
export type RollupOutcome = 1 | -1 | 0;

/** One rated service to add to the rollup. */
export interface RollupIncrement {
  /** When it was rated (epoch ms); its UTC day keys the row. */
  at: number;
  companyId: string;
  serviceId: string;
  rating: number;
  decision: RecordedDecision;
  outcome: RollupOutcome;
}

/** A rollup row as the reports read it (summed over the window's days). */
export interface RollupRow {
  companyId: string;
  serviceId: string;
  ratingSlot: number;
  decision: RecordedDecision;
  outcome: RollupOutcome;
  count: number;
  ratingSum: number;
  ratingSquareSum: number;
}

/** Keys per pending row: one bound JSON parameter, kept well under D1's statement size. */
const ENTRIES_PER_STATEMENT = 400;

/** Epoch ms of the start of the UTC day of `at`. */
export function dayOf(at: number): number {
  return at - (((at % DAY_MS) + DAY_MS) % DAY_MS);
}

/** ⌊rating⌋ for a rating in 0–100; −1 for anything else (the reports count those as ignored). */
export function ratingSlotOf(rating: number): number {
  return rating >= 0 && rating <= 100 ? Math.floor(rating) : -1;
}

/**
 * Statements staging `increments` (summed in memory per key first): one append to
 * `candidate_rollup_pending` per 400 keys, so a lead call rating a whole catalogue adds one statement
 * (one bound parameter) to its batch and touches one page of the pending table.
 */
export function stageRollupIncrements(db: Db, increments: readonly RollupIncrement[]): Statement[] {
  const byKey = new Map<string, PendingEntry>();
  for (const increment of increments) {
    const day = dayOf(increment.at);
    const slot = ratingSlotOf(increment.rating);
    const key = `${day}|${increment.companyId}|${increment.serviceId}|${slot}|${increment.decision}|${increment.outcome}`;
    const entry = byKey.get(key);
    if (entry) {
      entry[6] += 1;
      entry[7] += increment.rating;
      entry[8] += increment.rating * increment.rating;
    } else {
      byKey.set(key, [
        day,
        increment.companyId,
        increment.serviceId,
        slot,
        increment.decision,
        increment.outcome,
        1,
        increment.rating,
        increment.rating * increment.rating,
      ]);
    }
  }
  const entries = [...byKey.values()];
  const statements: Statement[] = [];
  for (let from = 0; from < entries.length; from += ENTRIES_PER_STATEMENT) {
    statements.push(
      db
        .insert(candidateRollupPending)
        .values({ entries: JSON.stringify(entries.slice(from, from + ENTRIES_PER_STATEMENT)) }),
    );
  }
  return statements;
}

/** One staged increment: the rollup key, then what it adds (count, Σ rating, Σ rating²; negative to take away). */
type PendingEntry = [number, string, string, number, string, number, number, number, number];

/** Pending rows one fold takes at most: some forty keys each, a few hundred milliseconds of D1 at worst. */
export const PENDING_ROWS_PER_FOLD = 500;

/**
 * The pending entries as rollup rows, `e` being a `json_each` row over one pending row's entries. The
 * columns are named as the rollups' own, so a fold and the reads share them.
 */
const PENDING_ENTRY_COLUMNS_SQL = `e.value ->> 0 AS day, e.value ->> 1 AS company_id, e.value ->> 2 AS service_id,
   e.value ->> 3 AS rating_slot, e.value ->> 4 AS decision, e.value ->> 5 AS outcome, e.value ->> 6 AS count,
   e.value ->> 7 AS rating_sum, e.value ->> 8 AS rating_square_sum`;

/**
 * Folds the oldest pending rows (at most `maxRows`) into the rollups in ONE atomic batch: their
 * entries summed per key and upserted, then the rows deleted. Both statements bound the rows by the
 * same `id` limit, read inside the batch's transaction, so concurrent folds never add a row twice:
 * the second one finds it gone. Returns how many pending rows were folded (0: none was waiting).
 */
export async function foldPendingRollups(db: Db, maxRows = PENDING_ROWS_PER_FOLD): Promise<number> {
  const d1 = db.$client;
  const upTo = "(SELECT MIN(id) FROM candidate_rollup_pending) + ?1 - 1";
  const [, deleted] = await d1.batch([
    d1
      .prepare(
        `INSERT INTO candidate_rollups
           (day, company_id, service_id, rating_slot, decision, outcome, count, rating_sum, rating_square_sum)
         SELECT day, company_id, service_id, rating_slot, decision, outcome,
                SUM(count), TOTAL(rating_sum), TOTAL(rating_square_sum)
           FROM (SELECT ${PENDING_ENTRY_COLUMNS_SQL}
                   FROM candidate_rollup_pending p, json_each(p.entries) e
                  WHERE p.id <= ${upTo})
          GROUP BY day, company_id, service_id, rating_slot, decision, outcome
         ON CONFLICT DO UPDATE SET count = count + excluded.count,
           rating_sum = rating_sum + excluded.rating_sum,
           rating_square_sum = rating_square_sum + excluded.rating_square_sum`,
      )
      .bind(maxRows),
    d1.prepare(`DELETE FROM candidate_rollup_pending WHERE id <= ${upTo}`).bind(maxRows),
  ]);
  return Number(deleted?.meta?.changes ?? 0);
}

/** A lead call folds its shard's pending rows after this many staged calls in its isolate… */
export const FOLD_EVERY_STAGED_CALLS = 50;
/** …or once the oldest call it staged since the last fold is this old (a quiet isolate folds too). */
export const FOLD_MAX_AGE_MS = 60_000;

/** Staged calls per shard binding since this isolate last folded it, and when the first came. */
const stagedSinceFold = new Map<string, { calls: number; firstAt: number }>();

/**
 * Counts one call staged on `shard` (its binding name) by this isolate; true when it is time for this
 * isolate to fold that shard (the counter restarts). Pending rows stay few whatever the traffic: each
 * busy isolate folds every FOLD_EVERY_STAGED_CALLS of its calls, a quiet one after FOLD_MAX_AGE_MS,
 * and the quarter-hourly cron folds what is left.
 */
export function noteStagedCall(shard: string, now: number): boolean {
  const staged = stagedSinceFold.get(shard) ?? { calls: 0, firstAt: now };
  staged.calls += 1;
  if (staged.calls >= FOLD_EVERY_STAGED_CALLS || now - staged.firstAt >= FOLD_MAX_AGE_MS) {
    stagedSinceFold.delete(shard);
    return true;
  }
  stagedSinceFold.set(shard, staged);
  return false;
}

/** Pending rows waiting for a fold on one database (the cron reports it; a growing number means folds fall behind). */
export async function countPendingRollups(db: Db): Promise<number> {
  const rows = await db.select({ n: sql<number>`COUNT(*)` }).from(candidateRollupPending);
  return Number(rows[0]?.n ?? 0);
}

/** SQL of a lead row's standing outcome code (alias `l`). */
const LEAD_OUTCOME = sql.raw(`CASE l.status WHEN 'accepted' THEN 1 WHEN 'declined' THEN -1 ELSE 0 END`);
/** SQL of a lead row's rollup key columns (alias `l`): its creation day, receiver, service, slot. */
const LEAD_KEY = sql.raw(
  `l.created_at - (l.created_at % ${DAY_MS}), l.target_company_id, l.service_id,
   CASE WHEN l.rating >= 0 AND l.rating <= 100 THEN CAST(l.rating AS INTEGER) ELSE -1 END`,
);

/**
 * The statement moving a lead's count in the rollup from its current standing outcome to `outcome`,
 * for a write that changes the lead's status in the same batch: put it BEFORE that update (it reads
 * the old status) and pass the update's own condition as `applies` (SQL over the lead `l`), so the
 * move happens exactly when the status changes. A lead's candidate has decision `lead`, was rated on
 * the lead's creation day with the lead's rating, and its company is the lead's receiver. Staged like
 * the lead call's increments: −1 on the old outcome's key, +1 on the new one's, in one pending row.
 */
export function buildLeadOutcomeMove(db: Db, leadId: string, outcome: RollupOutcome, applies: SQL): Statement[] {
  const moves = sql`l.id = ${leadId} AND ${LEAD_OUTCOME} <> ${outcome} AND (${applies})`;
  return [
    db.insert(candidateRollupPending).select(
      sql`SELECT NULL, json_array(
            json_array(${LEAD_KEY}, 'lead', ${LEAD_OUTCOME}, -1, -l.rating, -(l.rating * l.rating)),
            json_array(${LEAD_KEY}, 'lead', ${outcome}, 1, l.rating, l.rating * l.rating))
          FROM leads l WHERE ${moves}`,
    ),
  ];
}

/** Which rollup rows a report reads: the days overlapping [from, to), optionally one company or service. */
export interface RollupFilter {
  from: number;
  to: number;
  companyId?: string;
  serviceId?: string;
  /** Only these decisions (all when absent). */
  decisions?: readonly RecordedDecision[];
}

/**
 * The rollup rows of a window on one database, summed over its days, the pending rows not folded yet
 * included (the same filter over both).
 */
export async function loadRollupRows(db: Db, filter: RollupFilter): Promise<RollupRow[]> {
  const conditions: SQL[] = [sql`day >= ${dayOf(filter.from)}`, sql`day < ${filter.to}`];
  if (filter.companyId !== undefined) conditions.push(sql`company_id = ${filter.companyId}`);
  if (filter.serviceId !== undefined) conditions.push(sql`service_id = ${filter.serviceId}`);
  if (filter.decisions !== undefined) {
    conditions.push(
      sql`decision IN (${sql.join(
        filter.decisions.map((decision) => sql`${decision}`),
        sql`, `,
      )})`,
    );
  }
  const where = sql.join(conditions, sql` AND `);
  const rows = await db.all<{
    company_id: string;
    service_id: string;
    rating_slot: number;
    decision: RecordedDecision;
    outcome: number;
    count: number;
    rating_sum: number;
    rating_square_sum: number;
  }>(sql`
    SELECT company_id, service_id, rating_slot, decision, outcome,
           SUM(count) AS count, TOTAL(rating_sum) AS rating_sum, TOTAL(rating_square_sum) AS rating_square_sum
      FROM (SELECT day, company_id, service_id, rating_slot, decision, outcome, count, rating_sum, rating_square_sum
              FROM candidate_rollups WHERE ${where}
            UNION ALL
            SELECT * FROM (SELECT ${sql.raw(PENDING_ENTRY_COLUMNS_SQL)}
                             FROM candidate_rollup_pending p, json_each(p.entries) e)
             WHERE ${where})
     GROUP BY company_id, service_id, rating_slot, decision, outcome`);
  return rows.map((row) => ({
    companyId: String(row.company_id),
    serviceId: String(row.service_id),
    ratingSlot: Number(row.rating_slot),
    decision: row.decision,
    outcome: Number(row.outcome) as RollupOutcome,
    count: Number(row.count),
    ratingSum: Number(row.rating_sum),
    ratingSquareSum: Number(row.rating_square_sum),
  }));
}

/** Deletes rollup days before `before` (epoch ms), at most `limit` rows; returns how many went. */
export async function purgeRollupsBefore(db: Db, before: number, limit: number): Promise<number> {
  const result = await db.run(sql`
    DELETE FROM candidate_rollups WHERE (day, company_id, service_id, rating_slot, decision, outcome) IN (
      SELECT day, company_id, service_id, rating_slot, decision, outcome FROM candidate_rollups
      WHERE day < ${before} LIMIT ${limit})`);
  return Number(result.meta?.changes ?? 0);
}
