/**
 * The commission statement use cases: every company's (or one company's) statement for a period,
 * for the admins, and a partner's own statement. Statements are computed from the stored deals
 * (src/domain/commission.ts), one indexed query per company so memory stays bounded by one
 * company's period.
 */
import { type CommissionStatement, type CommissionStatementLine, commissionStatement } from "../../domain/commission";
import { DomainError } from "../../domain/errors";
import type { Env } from "../../env";
import { loadCatalogNames, loadStatementDeals } from "../../storage/analytics";
import { clientShards, controlDb, type DatabaseBindings } from "../../storage/shards";
import { type CampaignCommission, campaignCommissions } from "./campaign-commissions";
import type { AnalyticsCatalog } from "./report-filter";

/** A statement with the company's name; its lines, when asked for, name each service by code. */
export type NamedCommissionStatement = Omit<CommissionStatement, "lines"> & {
  company_name: string;
  /** What the company's partner campaigns brought in the period (docs/analytics.md). */
  campaigns: CampaignCommission[];
  lines?: Array<CommissionStatementLine & { service: string; campaign_id: string | null }>;
};

/** Sums over the statements of a period (amounts in kopecks, and in RUB). */
export interface CommissionTotals {
  accepted_deals: number;
  accruing_deals: number;
  gross_amount_kopecks: number;
  commission_kopecks: number;
  gross_amount: number;
  commission: number;
}

/** A period [from, to), epoch ms. */
export interface CommissionPeriod {
  from: number;
  to: number;
}

/**
 * Statements of every company, by company id, or of `companyId` only (`not_found` when unknown).
 * Lines are included by default for one company and left out for all.
 */
export async function commissionStatements(
  env: Env,
  query: { period: CommissionPeriod; companyId?: string; includeLines?: boolean },
): Promise<{ totals: CommissionTotals; statements: NamedCommissionStatement[] }> {
  const catalog = await loadCatalogNames(controlDb(env));
  if (query.companyId !== undefined && !catalog.companies.has(query.companyId)) {
    throw new DomainError("not_found", `Company ${query.companyId} not found`, ["query", "company"]);
  }
  const companyIds = query.companyId !== undefined ? [query.companyId] : [...catalog.companies.keys()].sort();
  const includeLines = query.includeLines ?? query.companyId !== undefined;
  const statements: NamedCommissionStatement[] = [];
  for (const companyId of companyIds) {
    statements.push(await companyStatement(env, companyId, query.period, catalog, includeLines));
  }
  const sums = { accepted_deals: 0, accruing_deals: 0, gross_amount_kopecks: 0, commission_kopecks: 0 };
  for (const statement of statements) {
    sums.accepted_deals += statement.accepted_deals;
    sums.accruing_deals += statement.accruing_deals;
    sums.gross_amount_kopecks += statement.gross_amount_kopecks;
    sums.commission_kopecks += statement.commission_kopecks;
  }
  return {
    totals: { ...sums, gross_amount: sums.gross_amount_kopecks / 100, commission: sums.commission_kopecks / 100 },
    statements,
  };
}

/** The statement of the caller's own company (a partner), with its lines. */
export async function ownCommissionStatement(
  env: Env,
  companyId: string,
  period: CommissionPeriod,
): Promise<NamedCommissionStatement> {
  const catalog = await loadCatalogNames(controlDb(env));
  return companyStatement(env, companyId, period, catalog, true);
}

async function companyStatement(
  env: DatabaseBindings,
  companyId: string,
  period: CommissionPeriod,
  catalog: AnalyticsCatalog,
  includeLines: boolean,
): Promise<NamedCommissionStatement> {
  const company = catalog.companies.get(companyId)!;
  // Deals live in the client shards: every shard's share of the company's deals, in one statement.
  const perShard = await Promise.all(clientShards(env).map((shard) => loadStatementDeals(shard.db, companyId, period)));
  const deals = perShard.flat().sort((a, b) => a.occurredAt - b.occurredAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const { lines, ...totals } = commissionStatement(companyId, deals, period, company.commissionRate);
  const byCampaign = await campaignCommissions(env, companyId, deals, lines);
  return {
    ...totals,
    company_name: company.name,
    campaigns: byCampaign.campaigns,
    ...(includeLines
      ? {
          lines: lines.map((line) => ({
            ...line,
            service: catalog.services.get(line.service_id)?.code ?? line.service_id,
            campaign_id: byCampaign.campaignOfDeal.get(line.deal_id) ?? null,
          })),
        }
      : {}),
  };
}
