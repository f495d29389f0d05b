/**
 * Read models of the learning loop: scored candidates (written by the lead call), measured
 * acceptance per company and category (for `performance` routing), the funnel's lead stages and the
 * deals a commission statement is made of. The threshold preview, the calibration report and the
 * funnel's candidate counts read the daily rollups (src/storage/candidate-rollups.ts).
 *
 * Every query aggregates in SQL (GROUP BY over integer rating slots, companies, services or
 * decisions), so what reaches the Worker is bounded by the catalog size or by 101 rating slots,
 * never by the number of candidates, leads or deals in the window. Definitions (which deal stands
 * for a lead, what "delivered" means, …) are documented in docs/analytics.md.
 */
import { and, eq, getTableColumns, gte, isNotNull, lt, type SQL, sql } from "drizzle-orm";
import type { BatchItem } from "drizzle-orm/batch";
import type { StatementDeal } from "../domain/commission";
import type { RecordedDecision } from "../domain/lead-selection";
import type { Db } from "./db";
import { companies, deals, scoredCandidates, services } from "./schema";

export type ScoredCandidateRow = typeof scoredCandidates.$inferSelect;
export type NewScoredCandidate = Omit<typeof scoredCandidates.$inferInsert, "id">;

/**
 * Insert statements for scored candidates (one JSON parameter each, spread into rows by `json_each`),
 * for the lead call to run in the same `db.batch` as its leads. Conventions (docs/analytics.md): `companyId` is the
 * company that sells the service (the would-be lead receiver); `experimentId` is set on every
 * candidate an experiment governs (`experimentAssignment` in src/domain/experiments.ts) — decision
 * `control` for the held-out arm, whatever routing decides for the treated one — and the holdout
 * is applied after the threshold and duplicate checks, so both arms pass the same filters.
 */
export function buildScoredCandidateInserts(db: Db, rows: readonly NewScoredCandidate[]): BatchItem<"sqlite">[] {
  const statements: BatchItem<"sqlite">[] = [];
  // One bound JSON parameter per statement instead of one per column and row: building a
  // many-parameter insert was a tenth of the lead call's CPU in workerd (profiled under bench:http).
  for (let from = 0; from < rows.length; from += CANDIDATES_PER_STATEMENT) {
    const chunk = rows.slice(from, from + CANDIDATES_PER_STATEMENT);
    const json = JSON.stringify(chunk.map((row) => CANDIDATE_FIELDS.map((field) => row[field] ?? null)));
    statements.push(db.insert(scoredCandidates).select(sql`${CANDIDATE_SELECT} FROM json_each(${json}) ORDER BY key`));
  }
  return statements;
}

/** Candidates per insert statement (one JSON parameter of about 200 bytes per candidate). */
const CANDIDATES_PER_STATEMENT = 200;

/** The columns after `id`, in the table's order (the order drizzle lists them in the INSERT). */
const CANDIDATE_FIELDS = Object.keys(getTableColumns(scoredCandidates)).filter(
  (field) => field !== "id",
) as (keyof NewScoredCandidate)[];

/** `SELECT NULL, json_extract(value, '$[0]'), …`: a NULL id (SQLite assigns it), then each field. */
const CANDIDATE_SELECT = sql.raw(
  `SELECT NULL, ${CANDIDATE_FIELDS.map((_, index) => `json_extract(value, '$[${index}]')`).join(", ")}`,
);

/**
 * Retention of the raw candidates: deletes, among the oldest `limit` rows by id, those scored before
 * `cutoff.untagged`, or before `cutoff.tagged` when an experiment governs them (the experiment report
 * reads its arms from these rows, so they are kept as long as the rollups). Rows are inserted in
 * time order (give or take one call's duration), so walking the id order needs no index on `at` and
 * reads at most `limit` rows however large the table; a row a few ms out of order goes with the next
 * run. A kept tagged row among the oldest holds the walk back only while fewer than `limit` rows are
 * older; experiments tag a small share of the candidates. Returns how many were deleted.
 */
export async function purgeScoredCandidatesBefore(
  db: Db,
  cutoff: { untagged: number; tagged: number },
  limit: number,
): Promise<number> {
  const removed = await db.run(sql`
    DELETE FROM scored_candidates
    WHERE id IN (SELECT id FROM scored_candidates ORDER BY id LIMIT ${limit})
      AND at < CASE WHEN experiment_id IS NULL THEN ${cutoff.untagged} ELSE ${cutoff.tagged} END`);
  return Number(removed.meta?.changes ?? 0);
}

// ---------------------------------------------------------------------------------------------
// Shared SQL fragments

/**
 * The deal `d` is the standing report of its lead: no later report for the same lead (later by
 * `occurred_at`, equal times by arrival). Deals without a lead each stand on their own — every
 * CRM-reported sale is its own event. Matches the "latest outcome wins" rule of src/storage/deals.ts.
 */
export function standingDealCondition(alias: string): SQL {
  const d = sql.raw(alias);
  return sql`(${d}.lead_id IS NULL OR NOT EXISTS (
    SELECT 1 FROM deals later WHERE later.lead_id = ${d}.lead_id
      AND (later.occurred_at > ${d}.occurred_at OR (later.occurred_at = ${d}.occurred_at AND later.rowid > ${d}.rowid))))`;
}

// ---------------------------------------------------------------------------------------------
// Measured acceptance for `performance` routing

/** Accepted and declined leads of one company in one category. */
export interface AcceptanceCounts {
  accepted: number;
  declined: number;
}

/** category → receiving company id → counts; absent entries mean no outcome yet. */
export type PerformanceCounts = Record<string, Record<string, AcceptanceCounts>>;

/** Accepted and declined leads of one receiving company for one service (summed over shards). */
export interface ServiceAcceptance extends AcceptanceCounts {
  serviceId: string;
  companyId: string;
}

/**
 * Measured acceptance per receiving company and service: how many of the company's leads ended
 * accepted or declined (the lead status, i.e. the standing outcome of its deals), created since
 * `since` (epoch ms) so old outcomes age out, summed over every shard. `performanceByCategory`
 * groups it the way `RoutingInput.stats` (src/domain/routing.ts) reads it.
 */
export async function loadServiceAcceptance(
  shards: readonly D1Database[],
  options: { since: number },
): Promise<ServiceAcceptance[]> {
  const perShard = await Promise.all(
    shards.map((shard) =>
      shard
        .prepare(
          `SELECT service_id, target_company_id,
                  SUM(CASE WHEN status = 'accepted' THEN 1 ELSE 0 END) AS accepted,
                  SUM(CASE WHEN status = 'declined' THEN 1 ELSE 0 END) AS declined
           FROM leads WHERE status IN ('accepted', 'declined') AND created_at >= ?1
           GROUP BY service_id, target_company_id`,
        )
        .bind(options.since)
        .all<{ service_id: string; target_company_id: string; accepted: number; declined: number }>(),
    ),
  );
  return perShard.flatMap((result) =>
    result.results.map((row) => ({
      serviceId: row.service_id,
      companyId: row.target_company_id,
      accepted: Number(row.accepted),
      declined: Number(row.declined),
    })),
  );
}

/** Groups per-service acceptance by the services' categories (services not in the catalogue are skipped). */
export function performanceByCategory(
  rows: readonly ServiceAcceptance[],
  categoryOf: (serviceId: string) => string | undefined,
): PerformanceCounts {
  const counts: PerformanceCounts = {};
  for (const row of rows) {
    const category = categoryOf(row.serviceId);
    if (category === undefined) continue;
    counts[category] ??= {};
    counts[category][row.companyId] ??= { accepted: 0, declined: 0 };
    const current = counts[category][row.companyId];
    current.accepted += row.accepted;
    current.declined += row.declined;
  }
  return counts;
}

// ---------------------------------------------------------------------------------------------
// Report filters

/** Which candidates or leads an aggregate covers: a time window and an optional company or service. */
export interface AnalyticsFilter {
  /** Epoch ms, inclusive. */
  from: number;
  /** Epoch ms, exclusive. */
  to: number;
  /** The receiving company (the company that sells the service). */
  companyId?: string;
  serviceId?: string;
}

// ---------------------------------------------------------------------------------------------
// Funnel

/** Scored candidates of one (receiving company, service) in the window, by decision. */
export interface CandidateCountRow {
  companyId: string;
  serviceId: string;
  decision: RecordedDecision;
  count: number;
}

/** Leads of one (receiving company, service) created in the window and how far they got. */
export interface LeadStageRow {
  companyId: string;
  serviceId: string;
  leads: number;
  /** Reached the company: pushed (2xx), or acknowledged / answered through the inbox. */
  delivered: number;
  /** The company confirmed receipt (an outcome implies it). */
  acknowledged: number;
  accepted: number;
  declined: number;
  /** Pushing gave up (`failed`); the lead still waits in the inbox. */
  failed: number;
  expired: number;
}

/**
 * The funnel's lead stages for the window: leads by stage, grouped by receiving company and service.
 * Stages are the leads' state now, for the leads created in the window (a cohort). The candidate
 * counts come from the daily rollups (src/storage/candidate-rollups.ts).
 */
export async function loadFunnelLeadStages(db: Db, filter: AnalyticsFilter): Promise<LeadStageRow[]> {
  const leadConditions: SQL[] = [sql`created_at >= ${filter.from}`, sql`created_at < ${filter.to}`];
  if (filter.companyId !== undefined) leadConditions.push(sql`target_company_id = ${filter.companyId}`);
  if (filter.serviceId !== undefined) leadConditions.push(sql`service_id = ${filter.serviceId}`);
  const leadRows = await db.all<{
    company_id: string;
    service_id: string;
    leads: number;
    delivered: number;
    acknowledged: number;
    accepted: number;
    declined: number;
    failed: number;
    expired: number;
  }>(sql`
      SELECT target_company_id AS company_id, service_id,
             COUNT(*) AS leads,
             SUM(CASE WHEN delivered_at IS NOT NULL OR acknowledged_at IS NOT NULL
                        OR status IN ('acknowledged', 'accepted', 'declined') THEN 1 ELSE 0 END) AS delivered,
             SUM(CASE WHEN acknowledged_at IS NOT NULL
                        OR status IN ('acknowledged', 'accepted', 'declined') THEN 1 ELSE 0 END) AS acknowledged,
             SUM(CASE WHEN status = 'accepted' THEN 1 ELSE 0 END) AS accepted,
             SUM(CASE WHEN status = 'declined' THEN 1 ELSE 0 END) AS declined,
             SUM(CASE WHEN status = 'failed' THEN 1 ELSE 0 END) AS failed,
             SUM(CASE WHEN status = 'expired' THEN 1 ELSE 0 END) AS expired
      FROM leads
      WHERE ${sql.join(leadConditions, sql` AND `)}
      GROUP BY target_company_id, service_id`);
  return leadRows.map((row) => ({
    companyId: row.company_id,
    serviceId: row.service_id,
    leads: Number(row.leads),
    delivered: Number(row.delivered),
    acknowledged: Number(row.acknowledged),
    accepted: Number(row.accepted),
    declined: Number(row.declined),
    failed: Number(row.failed),
    expired: Number(row.expired),
  }));
}

// ---------------------------------------------------------------------------------------------
// Commission

/**
 * The deals a company's commission statement is made of for [from, to): deals on leads the
 * company received, each the standing report of its lead. Deals without a lead (a company's own
 * sales reported by its CRM) earn the platform nothing and are not part of a statement.
 */
export async function loadStatementDeals(
  db: Db,
  companyId: string,
  period: { from: number; to: number },
): Promise<Array<StatementDeal & { leadId: string | null }>> {
  return db
    .select({
      id: deals.id,
      leadId: deals.leadId,
      companyId: deals.companyId,
      serviceId: deals.serviceId,
      outcome: deals.outcome,
      amount: deals.amount,
      commission: deals.commission,
      occurredAt: deals.occurredAt,
    })
    .from(deals)
    .where(
      and(
        eq(deals.companyId, companyId),
        gte(deals.occurredAt, period.from),
        lt(deals.occurredAt, period.to),
        isNotNull(deals.leadId),
        standingDealCondition("deals"),
      ),
    );
}

/** The catalog as analytics rows name it: services and companies (small tables, read whole). */
export async function loadCatalogNames(db: Db): Promise<{
  services: Map<string, { code: string; name: string; category: string; companyId: string }>;
  companies: Map<string, { name: string; commissionRate: number }>;
}> {
  const [serviceRows, companyRows] = await db.batch([
    db
      .select({
        id: services.id,
        code: services.code,
        name: services.name,
        category: services.category,
        companyId: services.companyId,
      })
      .from(services),
    db.select({ id: companies.id, name: companies.name, commissionRate: companies.commissionRate }).from(companies),
  ]);
  return {
    services: new Map(serviceRows.map(({ id, ...rest }) => [id, rest])),
    companies: new Map(companyRows.map(({ id, ...rest }) => [id, rest])),
  };
}
