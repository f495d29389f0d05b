/**
 * Daily rollups of scored candidates (`candidate_rollups`, client data: one table per shard). The lead
 * call adds every service it rated to its day's rows in its own write batch; a deal on a lead moves
 * the lead's count from its old outcome to the new one in the deal's batch; the threshold preview,
 * the calibration report and the funnel read the rows of a window (fanned out over the shards by the
 * use cases) instead of the raw candidates, which are kept only a few days (docs/storage.md).
 *
 * A report's window is widened to whole UTC days: a day's row counts when the day overlaps the
 * window (docs/analytics.md, "Windows").
 */
import { and, gte, lt, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { RecordedDecision } from "../domain/lead-selection";
import { DAY_MS } from "../domain/time";
import type { Db } from "./db";
import { candidateRollups } from "./schema";

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

/** The primary key of a rollup row. */
const ROLLUP_KEY = [
  candidateRollups.day,
  candidateRollups.companyId,
  candidateRollups.serviceId,
  candidateRollups.ratingSlot,
  candidateRollups.decision,
  candidateRollups.outcome,
];

/** An upsert's update: add the new row's count and sums to the existing row. */
const ADD_EXCLUDED = {
  count: sql`${candidateRollups.count} + excluded.count`,
  ratingSum: sql`${candidateRollups.ratingSum} + excluded.rating_sum`,
  ratingSquareSum: sql`${candidateRollups.ratingSquareSum} + excluded.rating_square_sum`,
};

/** Entries per upsert statement: one bound JSON parameter, kept well under D1's statement size. */
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
 * Upsert statements adding `increments` to their day's rows: summed in memory per key first, then
 * one `INSERT … SELECT FROM json_each(?) … ON CONFLICT DO UPDATE` per 400 keys, so a lead call
 * rating a whole catalogue adds one or two statements (one bound parameter each) to its batch.
 */
export function buildRollupUpserts(db: Db, increments: readonly RollupIncrement[]): Statement[] {
  const byKey = new Map<string, [number, string, string, number, string, number, number, number, number]>();
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
    const json = JSON.stringify(entries.slice(from, from + ENTRIES_PER_STATEMENT));
    // `WHERE true` lets SQLite parse the upsert after a SELECT (its documented parsing ambiguity).
    statements.push(
      db
        .insert(candidateRollups)
        .select(
          sql`SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), json_extract(value, '$[2]'),
                     json_extract(value, '$[3]'), json_extract(value, '$[4]'), json_extract(value, '$[5]'),
                     json_extract(value, '$[6]'), json_extract(value, '$[7]'), json_extract(value, '$[8]')
              FROM json_each(${json}) WHERE true`,
        )
        .onConflictDoUpdate({ target: ROLLUP_KEY, set: ADD_EXCLUDED }),
    );
  }
  return statements;
}

/** SQL of a lead row's standing outcome code (alias `l`). */
const LEAD_OUTCOME = sql.raw(`CASE l.status WHEN 'accepted' THEN 1 WHEN 'declined' THEN -1 ELSE 0 END`);
/** SQL of a lead row's rollup key columns (alias `l`): its creation day, receiver, service, slot. */
const LEAD_KEY = sql.raw(
  `l.created_at - (l.created_at % ${DAY_MS}), l.target_company_id, l.service_id,
   CASE WHEN l.rating >= 0 AND l.rating <= 100 THEN CAST(l.rating AS INTEGER) ELSE -1 END`,
);

/**
 * Statements moving a lead's count in the rollup from its current standing outcome to `outcome`,
 * for a write that changes the lead's status in the same batch: put them BEFORE that update (they
 * read the old status) and pass the update's own condition as `applies` (SQL over the lead `l`), so
 * the move happens exactly when the status changes. A lead's candidate has decision `lead`, was
 * rated on the lead's creation day with the lead's rating, and its company is the lead's receiver.
 */
export function buildLeadOutcomeMove(db: Db, leadId: string, outcome: RollupOutcome, applies: SQL): Statement[] {
  const moves = sql`l.id = ${leadId} AND ${LEAD_OUTCOME} <> ${outcome} AND (${applies})`;
  return [
    db
      .update(candidateRollups)
      .set({
        count: sql`${candidateRollups.count} - 1`,
        ratingSum: sql`${candidateRollups.ratingSum} - (SELECT l.rating FROM leads l WHERE ${moves})`,
        ratingSquareSum: sql`${candidateRollups.ratingSquareSum} - (SELECT l.rating * l.rating FROM leads l WHERE ${moves})`,
      })
      .where(
        sql`${candidateRollups.decision} = 'lead' AND (${candidateRollups.day}, ${candidateRollups.companyId},
              ${candidateRollups.serviceId}, ${candidateRollups.ratingSlot}, ${candidateRollups.outcome}) =
            (SELECT ${LEAD_KEY}, ${LEAD_OUTCOME} FROM leads l WHERE ${moves})`,
      ),
    db
      .insert(candidateRollups)
      .select(sql`SELECT ${LEAD_KEY}, 'lead', ${outcome}, 1, l.rating, l.rating * l.rating FROM leads l WHERE ${moves}`)
      .onConflictDoUpdate({ target: ROLLUP_KEY, set: ADD_EXCLUDED }),
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

/** The rollup rows of a window on one database, summed over its days. */
export async function loadRollupRows(db: Db, filter: RollupFilter): Promise<RollupRow[]> {
  const conditions: SQL[] = [gte(candidateRollups.day, dayOf(filter.from)), lt(candidateRollups.day, filter.to)];
  if (filter.companyId !== undefined) conditions.push(sql`${candidateRollups.companyId} = ${filter.companyId}`);
  if (filter.serviceId !== undefined) conditions.push(sql`${candidateRollups.serviceId} = ${filter.serviceId}`);
  if (filter.decisions !== undefined) {
    conditions.push(
      sql`${candidateRollups.decision} IN (${sql.join(
        filter.decisions.map((decision) => sql`${decision}`),
        sql`, `,
      )})`,
    );
  }
  const rows = await db
    .select({
      companyId: candidateRollups.companyId,
      serviceId: candidateRollups.serviceId,
      ratingSlot: candidateRollups.ratingSlot,
      decision: candidateRollups.decision,
      outcome: candidateRollups.outcome,
      count: sql<number>`SUM(${candidateRollups.count})`,
      ratingSum: sql<number>`TOTAL(${candidateRollups.ratingSum})`,
      ratingSquareSum: sql<number>`TOTAL(${candidateRollups.ratingSquareSum})`,
    })
    .from(candidateRollups)
    .where(and(...conditions))
    .groupBy(
      candidateRollups.companyId,
      candidateRollups.serviceId,
      candidateRollups.ratingSlot,
      candidateRollups.decision,
      candidateRollups.outcome,
    );
  return rows.map((row) => ({
    ...row,
    outcome: Number(row.outcome) as RollupOutcome,
    count: Number(row.count),
    ratingSum: Number(row.ratingSum),
    ratingSquareSum: Number(row.ratingSquareSum),
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
