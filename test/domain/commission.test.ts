import { describe, expect, it } from "vitest";
import {
  accrueCommission,
  commissionKopecks,
  commissionStatement,
  commissionStatements,
  rateToPartsPerMillion,
  type StatementDeal,
  toKopecks,
} from "../../src/domain/commission";

const JAN_1 = Date.UTC(2026, 0, 1);
const FEB_1 = Date.UTC(2026, 1, 1);
const day = (n: number) => JAN_1 + (n - 1) * 86_400_000;

function deal(partial: Partial<StatementDeal> & Pick<StatementDeal, "id">): StatementDeal {
  return {
    companyId: "co_insurer",
    serviceId: "svc_policy",
    outcome: "accepted",
    amount: null,
    commission: null,
    occurredAt: day(10),
    ...partial,
  };
}

describe("money helpers", () => {
  it("converts RUB to kopecks on the decimal value, half up", () => {
    expect(toKopecks(1234.56)).toBe(123456);
    // 1.005 × 100 = 100.49999999999999 in binary floating point; the decimal 1.005 rounds up to 101.
    expect(toKopecks(1.005)).toBe(101);
    expect(toKopecks(14.9985)).toBe(1500);
    expect(toKopecks(0)).toBe(0);
    expect(toKopecks(0.005)).toBe(1);
    expect(toKopecks(1e-7)).toBe(0); // printed in exponent form, "1e-7"
    expect(toKopecks(90_071_992_547_409.9)).toBe(9_007_199_254_740_990);
    expect(() => toKopecks(-1)).toThrow(RangeError);
    expect(() => toKopecks(Number.NaN)).toThrow(RangeError);
    expect(() => toKopecks(1e20)).toThrow(RangeError);
  });

  it("resolves rates to parts per million", () => {
    expect(rateToPartsPerMillion(0.1)).toBe(100_000);
    expect(rateToPartsPerMillion(0.0333333)).toBe(33_333);
    expect(rateToPartsPerMillion(0.12345675)).toBe(123_457);
    expect(rateToPartsPerMillion(1)).toBe(1_000_000);
    expect(() => rateToPartsPerMillion(1.01)).toThrow(RangeError);
  });

  it("computes commission exactly, rounding half up to the kopeck", () => {
    // 123,456 kop × 10 % = 12,345.6 → 12,346
    expect(commissionKopecks(123_456, 0.1)).toBe(12_346);
    // 5 kop × 10 % = 0.5 → 1 (half up)
    expect(commissionKopecks(5, 0.1)).toBe(1);
    // 10,000 kop × 3.33333 % = 333.333 → 333
    expect(commissionKopecks(10_000, 0.0333333)).toBe(333);
    // Exact beyond 2⁵³ intermediate products: 9,007,199,254,740,991 × 999,999 / 10⁶
    //   = 9,007,199,254,740,991 − 9,007,199,254.740991 = 9,007,190,247,541,736.259009 → …736
    expect(commissionKopecks(Number.MAX_SAFE_INTEGER, 0.999999)).toBe(9_007_190_247_541_736);
    expect(accrueCommission(1234.56, 0.1)).toBe(123.46);
    expect(accrueCommission(0.05, 0.1)).toBe(0.01);
    expect(() => commissionKopecks(1.5, 0.1)).toThrow(RangeError);
  });
});

describe("commission statement", () => {
  const deals: StatementDeal[] = [
    deal({ id: "dl_1", amount: 1000, commission: 100, occurredAt: day(5) }),
    // No stored commission: computed at the current rate 10 % → 25,050 kop × 0.1 = 2,505 kop.
    deal({ id: "dl_2", amount: 250.5, commission: null, occurredAt: day(20) }),
    deal({ id: "dl_3", amount: null, occurredAt: day(12) }),
    deal({ id: "dl_4", outcome: "declined", occurredAt: day(13) }),
    // Stored at an older 15 % rate, unrounded: 99.99 × 0.15 = 14.9985 → 1,500 kop.
    deal({ id: "dl_5", amount: 99.99, commission: 14.9985, occurredAt: day(10), serviceId: "svc_other" }),
    deal({ id: "dl_6", companyId: "co_gym", amount: 500, commission: 50 }),
    deal({ id: "dl_7", amount: 10, commission: 1, occurredAt: FEB_1 }), // period end is exclusive
    deal({ id: "dl_8", amount: 10, commission: 1, occurredAt: JAN_1 }), // period start is inclusive
  ];

  it("adds up a company's period to the kopeck, by hand", () => {
    const statement = commissionStatement("co_insurer", deals, { from: JAN_1, to: FEB_1 }, 0.1);
    // accepted in period: dl_1, dl_2, dl_3 (no amount), dl_5, dl_8; declined: dl_4
    // gross = 100,000 + 25,050 + 9,999 + 1,000 = 136,049 kop; commission = 10,000 + 2,505 + 1,500 + 100 = 14,105 kop
    expect(statement).toMatchObject({
      company_id: "co_insurer",
      period_start: "2026-01-01T00:00:00.000Z",
      period_end: "2026-02-01T00:00:00.000Z",
      currency: "RUB",
      current_commission_rate: 0.1,
      accepted_deals: 5,
      declined_deals: 1,
      accruing_deals: 4,
      accepted_without_amount: 1,
      computed_at_current_rate: 1,
      gross_amount_kopecks: 136_049,
      commission_kopecks: 14_105,
      gross_amount: 1360.49,
      commission: 141.05,
    });
    expect(statement.effective_rate).toBe(14_105 / 136_049);
    expect(statement.lines.map((line) => line.deal_id)).toEqual(["dl_8", "dl_1", "dl_5", "dl_2"]);
    expect(statement.lines[2]).toEqual({
      deal_id: "dl_5",
      service_id: "svc_other",
      occurred_at: "2026-01-10T00:00:00.000Z",
      amount_kopecks: 9_999,
      commission_kopecks: 1_500,
      amount: 99.99,
      commission: 15,
      commission_source: "deal",
    });
    expect(statement.lines[3].commission_source).toBe("current_rate");
    const lineSum = statement.lines.reduce((sum, line) => sum + line.commission_kopecks, 0);
    expect(lineSum).toBe(statement.commission_kopecks);
  });

  it("an empty period is a zero statement", () => {
    const statement = commissionStatement(
      "co_insurer",
      deals,
      { from: FEB_1 + 86_400_000, to: FEB_1 + 2 * 86_400_000 },
      0.1,
    );
    expect(statement).toMatchObject({
      accepted_deals: 0,
      gross_amount_kopecks: 0,
      commission_kopecks: 0,
      effective_rate: null,
      lines: [],
    });
  });

  it("builds one statement per company, ordered by id", () => {
    const rates = new Map([
      ["co_insurer", 0.1],
      ["co_gym", 0.2],
      ["co_telecom", 0.05],
    ]);
    const statements = commissionStatements(deals, { from: JAN_1, to: FEB_1 }, rates);
    expect(statements.map((s) => [s.company_id, s.commission_kopecks])).toEqual([
      ["co_gym", 5_000],
      ["co_insurer", 14_105],
      ["co_telecom", 0],
    ]);
    expect(() => commissionStatements(deals, { from: JAN_1, to: FEB_1 }, new Map([["co_gym", 0.2]]))).toThrow(
      /no commission rate given for company co_insurer/,
    );
  });

  it("refuses a bad period, rate or corrupt amounts", () => {
    expect(() => commissionStatement("co_insurer", deals, { from: FEB_1, to: JAN_1 }, 0.1)).toThrow(RangeError);
    expect(() => commissionStatement("co_insurer", deals, { from: JAN_1, to: FEB_1 }, -0.1)).toThrow(RangeError);
    expect(() =>
      commissionStatement("co_insurer", [deal({ id: "dl_bad", amount: -5 })], { from: JAN_1, to: FEB_1 }, 0.1),
    ).toThrow(RangeError);
  });
});
