import { beforeAll, describe, expect, it } from "vitest";
import { api, errorCode, seedKey, seedService, seedTenant } from "../../../harness";
import { itRefusesNonAdmins } from "../admin/helpers";
import { postDeal, putClient, seedDeal, seedLead } from "./fixtures";

type Tenant = Awaited<ReturnType<typeof seedTenant>>;
let bank: Tenant;
let partner: Tenant;
let card: { id: string; code: string };
let gym: { id: string; code: string };
const now = new Date();
const PERIOD = `${now.getUTCFullYear()}-${String(now.getUTCMonth() + 1).padStart(2, "0")}`;

beforeAll(async () => {
  bank = await seedTenant("Commission bank");
  partner = await seedTenant("Commission gym");
  card = await seedService(bank.company.id, { code: "commission-card" });
  gym = await seedService(partner.company.id, { code: "commission-gym" });
  // Rates: the harness gives every company 10 %; the gym negotiated 5 %.
  expect(
    (await api("PATCH", `/v1/admin/companies/${partner.company.id}`, { body: { commission_rate: 0.05 } })).status,
  ).toBe(200);

  const clientId = await putClient(bank.crmKey, "commission-client");
  const lead = (serviceId: string, target: string) =>
    seedLead({ clientId, serviceId, sourceCompanyId: bank.company.id, targetCompanyId: target });
  // The bank's own lead, answered by its CRM: 1,000 RUB → 100 RUB.
  const bankLead = await lead(card.id, bank.company.id);
  expect(
    (
      await postDeal(bank.crmKey, {
        external_id: "commission-client",
        service: card.code,
        outcome: "accepted",
        amount: 1000,
        lead_id: bankLead,
      })
    ).status,
  ).toBe(201);
  // A sale the platform did not bring (no lead): no commission, not on the statement.
  await postDeal(bank.crmKey, {
    external_id: "commission-client",
    service: card.code,
    outcome: "accepted",
    amount: 500,
  });
  // Gym leads answered through its inbox.
  const outcome = (leadId: string, body: Record<string, unknown>) =>
    api("POST", `/v1/partner/leads/${leadId}/outcome`, { key: partner.partnerKey, body });
  const gymLead = await lead(gym.id, partner.company.id);
  expect((await outcome(gymLead, { outcome: "accepted", amount: 2000 })).status).toBe(200);
  // Amount corrected: only the latest report of the lead counts.
  const corrected = await lead(gym.id, partner.company.id);
  await outcome(corrected, { outcome: "accepted", amount: 3000 });
  await outcome(corrected, { outcome: "accepted", amount: 3500.5 });
  await outcome(await lead(gym.id, partner.company.id), { outcome: "declined" });
  await outcome(await lead(gym.id, partner.company.id), { outcome: "accepted" });
  // A deal of another month.
  const oldLead = await lead(gym.id, partner.company.id);
  await seedDeal({
    clientId,
    serviceId: gym.id,
    companyId: partner.company.id,
    leadId: oldLead,
    outcome: "accepted",
    amount: 700,
    commission: 35,
    reportedBy: "partner",
    occurredAt: Date.UTC(2025, 5, 15),
  });
});

describe("GET /v1/admin/commissions", () => {
  it("states every company's commission for the month: standing deals on leads only, exact kopecks", async () => {
    const res = await api("GET", `/v1/admin/commissions?period=${PERIOD}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ period: PERIOD, currency: "RUB" });
    const byCompany = Object.fromEntries(res.body.statements.map((s: { company_id: string }) => [s.company_id, s]));
    expect(byCompany[bank.company.id]).toMatchObject({
      company_name: "Commission bank",
      accepted_deals: 1,
      declined_deals: 0,
      accruing_deals: 1,
      gross_amount_kopecks: 100_000,
      commission_kopecks: 10_000,
      commission: 100,
    });
    // 2,000 × 5 % = 100; 3,500.50 × 5 % = 175.025 → 175.03.
    expect(byCompany[partner.company.id]).toMatchObject({
      current_commission_rate: 0.05,
      accepted_deals: 3,
      declined_deals: 1,
      accruing_deals: 2,
      accepted_without_amount: 1,
      gross_amount_kopecks: 550_050,
      commission_kopecks: 27_503,
      commission: 275.03,
    });
    expect(byCompany[partner.company.id].lines).toBeUndefined();
    expect(res.body.totals).toMatchObject({ accepted_deals: 4, commission_kopecks: 37_503, commission: 375.03 });
    const withLines = await api("GET", `/v1/admin/commissions?period=${PERIOD}&include_lines=true`);
    expect(withLines.body.statements.every((s: { lines?: unknown[] }) => Array.isArray(s.lines))).toBe(true);
  });

  it("one company with its lines, and another month", async () => {
    const res = await api("GET", `/v1/admin/commissions?period=${PERIOD}&company=${partner.company.id}`);
    expect(res.body.statements).toHaveLength(1);
    const lines = res.body.statements[0].lines;
    expect(lines.map((line: { amount: number }) => line.amount).sort()).toEqual([2000, 3500.5]);
    expect(lines[0]).toMatchObject({ service: gym.code, service_id: gym.id, commission_source: "deal" });
    const june = await api("GET", `/v1/admin/commissions?period=2025-06&company=${partner.company.id}`);
    expect(june.body.statements[0]).toMatchObject({
      accepted_deals: 1,
      commission: 35,
      period_start: "2025-06-01T00:00:00.000Z",
      period_end: "2025-07-01T00:00:00.000Z",
    });
    const noLines = await api(
      "GET",
      `/v1/admin/commissions?period=2025-06&company=${partner.company.id}&include_lines=false`,
    );
    expect(noLines.body.statements[0].lines).toBeUndefined();
  });

  it("refuses bad periods (400) and unknown companies (404); defaults to the current month", async () => {
    for (const period of ["2026-13", "2026-1", "november", "2026-11-01"]) {
      const res = await api("GET", `/v1/admin/commissions?period=${period}`);
      expect(res.status, period).toBe(400);
      expect(errorCode(res)).toBe("validation_failed");
    }
    expect((await api("GET", "/v1/admin/commissions?include_lines=maybe")).status).toBe(400);
    expect((await api("GET", "/v1/admin/commissions?company=co_unknown")).status).toBe(404);
    expect((await api("GET", "/v1/admin/commissions")).body.period).toBe(PERIOD);
  });

  itRefusesNonAdmins(() => ({ method: "GET", path: "/v1/admin/commissions" }));
});

describe("GET /v1/partner/commissions", () => {
  it("shows the caller's own statement with its lines, nothing of other companies", async () => {
    const gymView = await api("GET", `/v1/partner/commissions?period=${PERIOD}`, { key: partner.partnerKey });
    expect(gymView.status).toBe(200);
    expect(gymView.body.statement).toMatchObject({ company_id: partner.company.id, commission_kopecks: 27_503 });
    expect(gymView.body.statement.lines).toHaveLength(2);
    const bankView = await api("GET", `/v1/partner/commissions?period=${PERIOD}`, { key: bank.partnerKey });
    expect(bankView.body.statement).toMatchObject({ company_id: bank.company.id, commission_kopecks: 10_000 });
    expect(JSON.stringify(bankView.body)).not.toContain(partner.company.id);
  });

  it("refuses other scopes, bad keys and parameters", async () => {
    expect((await api("GET", "/v1/partner/commissions", { key: null })).status).toBe(401);
    expect((await api("GET", "/v1/partner/commissions", { key: "cb_partner_neverissued00000000000000" })).status).toBe(
      401,
    );
    for (const key of [undefined, bank.crmKey]) {
      const res = await api("GET", "/v1/partner/commissions", { key });
      expect(res.status).toBe(403);
      expect(errorCode(res)).toBe("forbidden");
    }
    const revoked = await seedKey("partner", partner.company.id);
    expect((await api("GET", "/v1/partner/commissions", { key: revoked.key })).status).toBe(200);
    await api("DELETE", `/v1/admin/api-keys/${revoked.id}`);
    expect((await api("GET", "/v1/partner/commissions", { key: revoked.key })).status).toBe(401);
    const bad = await api("GET", "/v1/partner/commissions?period=2026", { key: partner.partnerKey });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0]).toMatchObject({ code: "validation_failed" });
    // Another company cannot be asked for.
    expect(
      (await api("GET", `/v1/partner/commissions?company=${bank.company.id}`, { key: partner.partnerKey })).status,
    ).toBe(400);
  });
});
