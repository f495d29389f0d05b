import { contentJson } from "chanfana";
import type { Context } from "hono";
import { z } from "zod";
import { iso } from "../../../domain/time";
import type { AppEnv } from "../../../env";
import { commissionStatements, ownCommissionStatement } from "../../../usecases/analytics/commissions";
import { ApiRoute } from "../../api-route";
import { errorResponses } from "../../errors";
import { requireCompanyScope, requireScope } from "../../middleware/auth";
import { CommissionStatementSchema, periodSchema, resolvePeriod } from "./schemas";

const STATEMENT_DESCRIPTION =
  "A statement lists the deals on leads the company received whose outcome was reported in the period " +
  "(by `occurred_at`, UTC month): counts of accepted and declined leads and, for each accepted deal with an " +
  "amount, the amount and the platform commission in kopecks (the commission stored with the deal, at the " +
  "company's rate when the deal was recorded). Only the standing report of a lead counts (the latest outcome " +
  "wins), and deals without a lead — a company's own sales — accrue nothing. Totals are exact sums of the lines.";

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
    const { totals, statements } = await commissionStatements(c.env, {
      period,
      companyId: query.company,
      includeLines: query.include_lines === undefined ? undefined : query.include_lines === "true",
    });
    return {
      period: period.label,
      period_start: iso(period.from),
      period_end: iso(period.to),
      currency: "RUB" as const,
      totals,
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
    return {
      period: period.label,
      period_start: iso(period.from),
      period_end: iso(period.to),
      currency: "RUB" as const,
      statement: await ownCommissionStatement(c.env, companyId, period),
    };
  }
}
