/** The commission statement use cases: unknown company, lines by default only for one company, totals. */
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { commissionStatements, ownCommissionStatement } from "../../../src/usecases/analytics/commissions";
import { seedCompany } from "../../harness";

const PERIOD = { from: Date.UTC(2031, 0, 1), to: Date.UTC(2031, 1, 1) };

describe("commission statements", () => {
  it("is not_found for an unknown company, at query.company", async () => {
    await expect(commissionStatements(env, { period: PERIOD, companyId: "co_unknown" })).rejects.toMatchObject({
      code: "not_found",
      items: [{ path: ["query", "company"] }],
    });
  });

  it("includes lines by default for one company only, and sums every statement into the totals", async () => {
    const company = await seedCompany({ name: "Statement partner", commissionRate: 0.2 });
    const one = await commissionStatements(env, { period: PERIOD, companyId: company.id });
    expect(one.statements).toHaveLength(1);
    expect(one.statements[0]).toMatchObject({ company_id: company.id, company_name: "Statement partner", lines: [] });

    const all = await commissionStatements(env, { period: PERIOD });
    expect(all.statements.map((statement) => statement.company_id)).toEqual(
      all.statements.map((statement) => statement.company_id).sort(),
    );
    expect(all.statements.every((statement) => statement.lines === undefined)).toBe(true);
    expect(all.totals.accepted_deals).toBe(
      all.statements.reduce((sum, statement) => sum + statement.accepted_deals, 0),
    );

    const withLines = await commissionStatements(env, { period: PERIOD, includeLines: true });
    expect(withLines.statements.every((statement) => Array.isArray(statement.lines))).toBe(true);
  });

  it("gives a partner its own statement with its lines", async () => {
    const company = await seedCompany({ name: "Own partner" });
    expect(await ownCommissionStatement(env, company.id, PERIOD)).toMatchObject({
      company_id: company.id,
      company_name: "Own partner",
      current_commission_rate: company.commissionRate,
      lines: [],
    });
  });
});
