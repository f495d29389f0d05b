/**
 * Deal writes: the outcome of an offer, with everything it changes, as statements for one atomic
 * `db.batch`. Shared by the partner inbox (`POST /v1/partner/leads/{id}/outcome`) and the CRM deals
 * route.
 *
 * Semantics: deals are append-only; every report is kept. The LATEST outcome wins, by the time the
 * deal happened (`occurred_at`; equal times by arrival): it sets the interaction matrix cell
 * (accepted → 1, declined → −1) and, for a lead, its status. An outcome older than the cell's
 * current value (or than the lead's current outcome) arriving later is recorded as a deal row but
 * changes neither — the guards are in SQL, so they hold for concurrent writers too. Reporting the
 * same outcome again is a no-op (see `isSameOutcome`), so callers can retry safely.
 *
 * No duplicate effects, at the database: a lead has at most one deal per time of the outcome
 * (unique index `deals_lead_occurred_unique`, the deal is inserted `ON CONFLICT DO NOTHING`), a
 * report without a time is not inserted when it repeats the lead's latest deal (`NOT EXISTS` in the
 * same statement), and every other statement of the batch runs only if this very deal row was
 * inserted. D1 runs a batch as one transaction, so twenty identical reports at once write one deal.
 */
import { and, desc, eq, getTableColumns, isNull, lte, or, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import { accrueCommission } from "../domain/commission";
import { buildLeadOutcomeMove } from "./candidate-rollups";
import type { Db } from "./db";
import { withStatisticsLog } from "./model-statistics";
import { clients, companies, deals, interactionHistory, interactions, leadEvents, leads, services } from "./schema";
import { newClientOwnedId, requireSlotOfId } from "./shards";

export type DealRow = typeof deals.$inferSelect;
type ClientRow = typeof clients.$inferSelect;
type LeadRow = typeof leads.$inferSelect;
export type DealOutcome = DealRow["outcome"];
type Statement = BatchItem<"sqlite">;

export interface DealWriteInput {
  clientId: string;
  serviceId: string;
  /** The service's model index (copied into the matrix cell, see `interactions.model_index`). */
  modelIndex: number;
  /** The company that sold (or failed to sell) the service. */
  companyId: string;
  /** The lead the deal answers, if any: its status and events are updated too. */
  leadId: string | null;
  outcome: DealOutcome;
  /** Deal amount in RUB (≥ 0), if known. */
  amount: number | null;
  /** The company's commission rate now (0..1): commission = amount × rate, on accepted deals only. */
  commissionRate: number;
  reportedBy: DealRow["reportedBy"];
  /** `source` of the interaction written to the matrix. */
  interactionSource: "crm" | "deal" | "partner" | "import";
  /** When the deal happened (epoch ms). */
  occurredAt: number;
  /** When it is recorded (epoch ms). */
  now: number;
  /**
   * The report gave no time of the deal (`occurredAt` is the server's now): it is a repeat, and
   * writes nothing, when the lead's latest deal has the same outcome and amount.
   */
  skipIfRepeatsLatest?: boolean;
}

/**
 * Commission earned on a deal (RUB, whole kopecks, exact decimal rounding of
 * src/domain/commission.ts); null when there is nothing to earn.
 */
export function dealCommission(outcome: DealOutcome, amount: number | null, commissionRate: number): number | null {
  if (outcome !== "accepted" || amount === null) return null;
  return accrueCommission(amount, commissionRate);
}

/**
 * The deal row and the statements recording it: the deal, an `interaction_history` row (with the
 * previous matrix value, read inside the batch), the `interactions` upsert and, for a lead, its new
 * status, `outcome_at`, `acknowledged_at` (an outcome implies receipt) and an `outcome` event.
 * Run them in one `db.batch` (optionally with other statements).
 */
export function buildDealWrite(db: Db, input: DealWriteInput): { deal: DealRow; statements: Statement[] } {
  const deal: DealRow = {
    id: newClientOwnedId("dl", requireSlotOfId(input.clientId)),
    clientId: input.clientId,
    serviceId: input.serviceId,
    companyId: input.companyId,
    leadId: input.leadId,
    outcome: input.outcome,
    amount: input.amount,
    commission: dealCommission(input.outcome, input.amount, input.commissionRate),
    reportedBy: input.reportedBy,
    occurredAt: input.occurredAt,
    createdAt: input.now,
  };
  const value = input.outcome === "accepted" ? 1 : -1;
  // Every statement after the deal's own insert runs only if that insert happened.
  const dealWritten = sql`EXISTS (SELECT 1 FROM deals WHERE id = ${deal.id})`;
  const repeatsLatest =
    input.leadId !== null && input.skipIfRepeatsLatest
      ? sql`EXISTS (SELECT 1 FROM deals WHERE rowid = (SELECT max(rowid) FROM deals WHERE lead_id = ${input.leadId}) AND outcome = ${input.outcome} AND amount IS ${input.amount})`
      : sql`0`;
  const dealSelect = selectList(deals, deal as unknown as Record<string, unknown>);
  // Column order of interaction_history for the INSERT … SELECT below (drizzle lists every column).
  const historyValues: Record<string, unknown> = {
    id: null,
    clientId: input.clientId,
    serviceId: input.serviceId,
    value,
    previousValue: sql`COALESCE((SELECT value FROM interactions WHERE client_id = ${input.clientId} AND service_id = ${input.serviceId}), 0)`,
    source: input.interactionSource,
    at: input.occurredAt,
  };
  const cellValues = selectList(interactions, {
    clientId: input.clientId,
    serviceId: input.serviceId,
    modelIndex: input.modelIndex,
    value,
    source: input.interactionSource,
    at: input.occurredAt,
  });
  const statements: Statement[] = [
    db.insert(deals).select(sql`SELECT ${dealSelect} WHERE NOT ${repeatsLatest}`).onConflictDoNothing(),
    // Before the upsert, so the sub-select still sees the previous matrix value; skipped (like the
    // upsert) when the cell already holds a newer value.
    db
      .insert(interactionHistory)
      .select(
        sql`SELECT ${selectList(interactionHistory, historyValues)} WHERE ${dealWritten} AND NOT EXISTS (SELECT 1 FROM interactions WHERE client_id = ${input.clientId} AND service_id = ${input.serviceId} AND at > ${input.occurredAt})`,
      ),
    db
      .insert(interactions)
      .select(sql`SELECT ${cellValues} WHERE ${dealWritten}`)
      .onConflictDoUpdate({
        target: [interactions.clientId, interactions.serviceId],
        set: { value, source: input.interactionSource, at: input.occurredAt },
        // The latest outcome wins: an older one arriving late leaves the newer value in place.
        setWhere: lte(interactions.at, input.occurredAt),
      }),
  ];
  if (input.leadId) {
    const eventValues = selectList(leadEvents, {
      id: null,
      leadId: input.leadId,
      type: "outcome",
      at: input.now,
      attempt: null,
      httpStatus: null,
      latencyMs: null,
      error: null,
      detail: JSON.stringify({
        deal_id: deal.id,
        outcome: deal.outcome,
        amount: deal.amount,
        reported_by: deal.reportedBy,
        occurred_at: new Date(deal.occurredAt).toISOString(),
      }),
    });
    statements.push(
      // The candidate rollup follows the lead's standing outcome; before the update, which it mirrors.
      ...buildLeadOutcomeMove(
        db,
        input.leadId,
        input.outcome === "accepted" ? 1 : -1,
        sql`(l.outcome_at IS NULL OR l.outcome_at <= ${input.occurredAt}) AND ${dealWritten}`,
      ),
      db
        .update(leads)
        .set({
          status: input.outcome,
          outcomeAt: input.occurredAt,
          acknowledgedAt: sql`COALESCE(${leads.acknowledgedAt}, ${input.now})`,
          updatedAt: input.now,
        })
        .where(
          and(
            eq(leads.id, input.leadId),
            or(isNull(leads.outcomeAt), lte(leads.outcomeAt, input.occurredAt)),
            dealWritten,
          ),
        ),
      db.insert(leadEvents).select(sql`SELECT ${eventValues} WHERE ${dealWritten}`),
    );
  }
  // The recommender's change log brackets the write (src/storage/model-statistics.ts).
  return { deal, statements: withStatisticsLog(db, [input.clientId], statements, input.now) };
}

/** Values in the column order of `table`, for an `INSERT … SELECT` (columns not given are NULL). */
function selectList(table: Parameters<typeof getTableColumns>[0], values: Record<string, unknown>) {
  return sql.join(
    Object.keys(getTableColumns(table)).map((column) => sql`${values[column] ?? null}`),
    sql`, `,
  );
}

/** Whether the deal row `id` exists (it does not when the batch found it a duplicate). */
export async function dealExists(db: Db, id: string): Promise<boolean> {
  const rows = await db.select({ id: deals.id }).from(deals).where(eq(deals.id, id)).limit(1);
  return rows.length > 0;
}

/** The deal of a lead at one time of the outcome (at most one, by the unique index), or null. */
export async function findLeadDealAt(db: Db, leadId: string, occurredAt: number): Promise<DealRow | null> {
  const rows = await db
    .select()
    .from(deals)
    .where(and(eq(deals.leadId, leadId), eq(deals.occurredAt, occurredAt)))
    .limit(1);
  return rows[0] ?? null;
}

/** The most recently recorded deal of a lead, or null. */
export async function findLatestLeadDeal(db: Db, leadId: string): Promise<DealRow | null> {
  const rows = await db
    .select()
    .from(deals)
    .where(eq(deals.leadId, leadId))
    // rowid follows insertion order even when two reports share a millisecond.
    .orderBy(desc(sql`rowid`))
    .limit(1);
  return rows[0] ?? null;
}

/**
 * Whether a new report repeats the latest one: same outcome and amount, and the same time of the
 * deal when the report gives one (a report without a time repeats any time).
 */
export function isSameOutcome(
  latest: DealRow | null,
  report: { outcome: DealOutcome; amount: number | null; occurredAt: number | null },
): latest is DealRow {
  if (!latest) return false;
  if (latest.outcome !== report.outcome) return false;
  if ((latest.amount ?? null) !== report.amount) return false;
  return report.occurredAt === null || report.occurredAt === latest.occurredAt;
}

/** The company's commission rate now (0..1; 0 for an unknown company). */
export async function findCommissionRate(db: Db, companyId: string): Promise<number> {
  const [company] = await db
    .select({ commissionRate: companies.commissionRate })
    .from(companies)
    .where(eq(companies.id, companyId))
    .limit(1);
  return company?.commissionRate ?? 0;
}

/** The model index of a service (read from the control database); -1 for a service deleted since. */
export async function findServiceModelIndex(control: Db, serviceId: string): Promise<number> {
  const rows = await control
    .select({ modelIndex: services.modelIndex })
    .from(services)
    .where(eq(services.id, serviceId))
    .limit(1);
  return rows[0]?.modelIndex ?? -1;
}

/** What a CRM's deal report names, as stored (each null when unknown). */
export interface CrmDealReferences {
  client: ClientRow | null;
  service: { id: string; code: string; companyId: string; modelIndex: number } | null;
  /** The reporting company's commission rate (0 when unknown). */
  commissionRate: number;
  lead: LeadRow | null;
}

/**
 * The client (by the company's keyed hash, in its shard), the service and the company's rate (from the
 * control database) and the lead (in the shard its id names), in one parallel round trip.
 */
export async function readCrmDealReferences(
  databases: { control: Db; clientShard: Db; leadShard: Db | null },
  report: { companyId: string; externalHash: string; serviceCode: string; leadId: string | null },
): Promise<CrmDealReferences> {
  const { control, clientShard, leadShard } = databases;
  const [[serviceRows, companyRows], clientRows, leadRows] = await Promise.all([
    control.batch([
      control
        .select({
          id: services.id,
          code: services.code,
          companyId: services.companyId,
          modelIndex: services.modelIndex,
        })
        .from(services)
        .where(eq(services.code, report.serviceCode))
        .limit(1),
      control
        .select({ commissionRate: companies.commissionRate })
        .from(companies)
        .where(eq(companies.id, report.companyId))
        .limit(1),
    ]),
    clientShard
      .select()
      .from(clients)
      .where(and(eq(clients.companyId, report.companyId), eq(clients.externalHash, report.externalHash)))
      .limit(1),
    leadShard && report.leadId !== null
      ? leadShard.select().from(leads).where(eq(leads.id, report.leadId)).limit(1)
      : Promise.resolve([]),
  ]);
  return {
    client: clientRows[0] ?? null,
    service: serviceRows[0] ?? null,
    commissionRate: companyRows[0]?.commissionRate ?? 0,
    lead: leadRows[0] ?? null,
  };
}

/**
 * The client's current matrix cell for the service, and an earlier CRM report identical to this
 * one (same lead, outcome, amount and time; none when the report gives no time), in one round trip.
 */
export async function readCrmDealHistory(
  db: Db,
  report: {
    clientId: string;
    serviceId: string;
    leadId: string | null;
    outcome: DealOutcome;
    amount: number | null;
    occurredAt: number | null;
  },
): Promise<{ cell: { value: number; at: number } | null; identical: DealRow | null }> {
  const [cellRows, identicalRows] = await db.batch([
    db
      .select({ value: interactions.value, at: interactions.at })
      .from(interactions)
      .where(and(eq(interactions.clientId, report.clientId), eq(interactions.serviceId, report.serviceId)))
      .limit(1),
    db
      .select()
      .from(deals)
      .where(
        and(
          eq(deals.clientId, report.clientId),
          eq(deals.serviceId, report.serviceId),
          report.leadId === null ? isNull(deals.leadId) : eq(deals.leadId, report.leadId),
          eq(deals.outcome, report.outcome),
          report.amount === null ? isNull(deals.amount) : eq(deals.amount, report.amount),
          eq(deals.occurredAt, report.occurredAt ?? -1),
          eq(deals.reportedBy, "crm"),
        ),
      )
      .limit(1),
  ]);
  return {
    cell: cellRows[0] ?? null,
    identical: report.occurredAt === null ? null : (identicalRows[0] ?? null),
  };
}

/**
 * Runs a deal write (and the caller's statements, e.g. an idempotency answer) as one atomic batch.
 */
export async function commitDealWrite(db: Db, statements: readonly Statement[]): Promise<void> {
  if (statements.length === 0) return;
  await db.batch(statements as [Statement, ...Statement[]]);
}
