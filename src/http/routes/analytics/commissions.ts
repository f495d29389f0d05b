import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { type CommissionStatement, commissionStatement } from "../../../domain/commission";
import { DomainError } from "../../../domain/errors";
import { iso } from "../../../domain/time";
import type { AppEnv } from "../../../env";
import { loadCatalogNames, loadStatementDeals } from "../../../storage/analytics";
import type { Db } from "../../../storage/db";
import { getDb } from "../../../storage/db";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireCompanyScope, requireScope } from "../../middleware/auth";
import { CommissionStatementSchema, periodSchema, resolvePeriod } from "./schemas";

type Catalog = Awaited<ReturnType<typeof loadCatalogNames>>;
type StatementView = z.infer<typeof CommissionStatementSchema>;

const STATEMENT_DESCRIPTION =
  "A statement lists the deals on leads the company received whose outcome was reported in the period " +
  "(by `occurred_at`, UTC month): counts of accepted and declined leads and, for each accepted deal with an " +
  "amount, the amount and the platform commission in kopecks (the commission stored with the deal, at the " +
  "company's rate when the deal was recorded). Only the standing report of a lead counts (the latest outcome " +
  "wins), and deals without a lead — a company's own sales — accrue nothing. Totals are exact sums of the lines.";

/** The statement of one company for a period, computed from its stored deals. */
async function companyStatement(
  db: Db,
  companyId: string,
  period: { from: number; to: number },
  catalog: Catalog,
  includeLines: boolean,
): Promise<StatementView> {
  const company = catalog.companies.get(companyId)!;
  const deals = await loadStatementDeals(db, companyId, period);
  return statementView(
    commissionStatement(companyId, deals, period, company.commissionRate),
    company.name,
    catalog,
    includeLines,
  );
}

function statementView(
  statement: CommissionStatement,
  companyName: string,
  catalog: Catalog,
  includeLines: boolean,
): StatementView {
  const { lines, ...totals } = statement;
  return {
    ...totals,
    company_name: companyName,
    ...(includeLines
      ? {
          lines: lines.map((line) => ({
            ...line,
            service: catalog.services.get(line.service_id)?.code ?? line.service_id,
          })),
        }
      : {}),
  };
}

const PeriodViewFields = {
  period: z.string().describe("YYYY-MM"),
  period_start: z.iso.datetime(),
  period_end: z.iso.datetime(),
  currency: z.literal("RUB"),
};

export class AdminCommissionsRoute extends ApiRoute {
  override schema = {
    operationId: "listCommissions",
    tags: ["Admin: commissions"],
    summary: "Commission statements of every company (or one) for a month",
    description: `${STATEMENT_DESCRIPTION} Without \`company\`, every company gets a statement (lines omitted unless \`include_lines=true\`).`,
    request: {
      query: z.strictObject({
        period: periodSchema,
        company: z.string().min(1).max(64).optional().describe("Only this company, by id (404 if unknown)"),
        include_lines: z
          .enum(["true", "false"])
          .optional()
          .describe("Include the deal lines; default true with `company`, false without"),
      }),
    },
    responses: {
      "200": {
        description: "The statements, by company id",
        ...contentJson(
          z
            .object({
              ...PeriodViewFields,
              totals: z.object({
                accepted_deals: z.int(),
                accruing_deals: z.int(),
                gross_amount_kopecks: z.int(),
                commission_kopecks: z.int(),
                gross_amount: z.number().describe("RUB"),
                commission: z.number().describe("RUB"),
              }),
              statements: z.array(CommissionStatementSchema),
            })
            .meta({ id: "CommissionStatements" }),
        ),
      },
      ...errorResponses(400, 403, 404),
    },
  };

  override async handle(c: Context<AppEnv>) {
    requireScope(c, "admin");
    const { query } = await this.getValidatedData<typeof this.schema>();
    const period = resolvePeriod(query.period);
    const db = getDb(c.env.DB);
    const catalog = await loadCatalogNames(db);
    if (query.company !== undefined && !catalog.companies.has(query.company)) {
      throw new DomainError("not_found", `Company ${query.company} not found`, ["query", "company"]);
    }
    const companyIds = query.company !== undefined ? [query.company] : [...catalog.companies.keys()].sort();
    const includeLines =
      query.include_lines === undefined ? query.company !== undefined : query.include_lines === "true";
    // One indexed query per company (deals_company_occurred_idx): memory is bounded by one company's month.
    const statements: StatementView[] = [];
    for (const companyId of companyIds) {
      statements.push(await companyStatement(db, companyId, period, catalog, includeLines));
    }
    const totals = { accepted_deals: 0, accruing_deals: 0, gross_amount_kopecks: 0, commission_kopecks: 0 };
    for (const statement of statements) {
      totals.accepted_deals += statement.accepted_deals;
      totals.accruing_deals += statement.accruing_deals;
      totals.gross_amount_kopecks += statement.gross_amount_kopecks;
      totals.commission_kopecks += statement.commission_kopecks;
    }
    return {
      period: period.label,
      period_start: iso(period.from),
      period_end: iso(period.to),
      currency: "RUB" as const,
      totals: {
        ...totals,
        gross_amount: totals.gross_amount_kopecks / 100,
        commission: totals.commission_kopecks / 100,
      },
      statements,
    };
  }
}

export class PartnerCommissionsRoute extends ApiRoute {
  override schema = {
    operationId: "listPartnerCommissions",
    tags: ["Partner commissions"],
    summary: "The caller's own commission statement for a month",
    description: `${STATEMENT_DESCRIPTION} Needs a \`partner\` key; only the caller's company is ever shown.`,
    request: { query: z.strictObject({ period: periodSchema }) },
    responses: {
      "200": {
        description: "The statement, with its lines",
        ...contentJson(
          z
            .object({ ...PeriodViewFields, statement: CommissionStatementSchema })
            .meta({ id: "PartnerCommissionStatement" }),
        ),
      },
      ...errorResponses(400, 403),
    },
  };

  override async handle(c: Context<AppEnv>) {
    const { companyId } = requireCompanyScope(c, "partner");
    const { query } = await this.getValidatedData<typeof this.schema>();
    const period = resolvePeriod(query.period);
    const db = getDb(c.env.DB);
    const catalog = await loadCatalogNames(db);
    return {
      period: period.label,
      period_start: iso(period.from),
      period_end: iso(period.to),
      currency: "RUB" as const,
      statement: await companyStatement(db, companyId, period, catalog, true),
    };
  }
}
