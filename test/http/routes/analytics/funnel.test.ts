import { beforeAll, describe, expect, it } from "vitest";
import { api, errorCode, seedCompany, seedService } from "../../../harness";
import { itRefusesNonAdmins } from "../admin/helpers";
import { type CandidateFixture, seedCandidates, seedClientRow, seedLead } from "./fixtures";

const DAY = 86_400_000;
let bank: { id: string };
let insurer: { id: string };
let card: { id: string; code: string };
let policy: { id: string; code: string };

beforeAll(async () => {
  bank = await seedCompany({ name: "Funnel bank", kind: "bank" });
  insurer = await seedCompany({ name: "Funnel insurer" });
  card = await seedService(bank.id, { code: "funnel-card", category: "cards" });
  policy = await seedService(insurer.id, { code: "funnel-policy", category: "insurance" });
  const clientId = await seedClientRow(bank.id);
  const at = Date.now() - DAY;
  const candidates: CandidateFixture[] = [];
  const add = (service: { id: string }, companyId: string, decision: CandidateFixture["decision"], times: number) => {
    for (let i = 0; i < times; i++)
      candidates.push({ clientId, serviceId: service.id, companyId, rating: 80, decision, at });
  };
  add(card, bank.id, "lead", 4);
  add(card, bank.id, "below_threshold", 3);
  add(card, bank.id, "not_routed", 1);
  add(card, bank.id, "duplicate", 1);
  add(card, bank.id, "control", 1);
  add(card, bank.id, "dry_run", 2);
  add(policy, insurer.id, "lead", 2);
  add(policy, insurer.id, "capped", 1);
  await seedCandidates(candidates);

  const lead = (
    service: { id: string },
    target: string,
    fields: Parameters<typeof seedLead>[0] extends infer F ? Partial<F> : never,
  ) =>
    seedLead({
      clientId,
      serviceId: service.id,
      sourceCompanyId: bank.id,
      targetCompanyId: target,
      createdAt: at,
      ...fields,
    });
  await lead(card, bank.id, { status: "queued" });
  await lead(card, bank.id, { status: "delivered", deliveredAt: at + 1 });
  await lead(card, bank.id, { status: "accepted", deliveredAt: at + 1, acknowledgedAt: at + 2, outcomeAt: at + 3 });
  // Read and answered through the inbox, never pushed.
  await lead(card, bank.id, { status: "declined", acknowledgedAt: at + 2, outcomeAt: at + 3 });
  await lead(policy, insurer.id, { status: "failed" });
  await lead(policy, insurer.id, { status: "accepted", acknowledgedAt: at + 2, outcomeAt: at + 3 });
  // Created before the default 30-day window.
  await lead(card, bank.id, { status: "accepted", createdAt: Date.now() - 40 * DAY, acknowledgedAt: at });
});

describe("GET /v1/admin/analytics/funnel", () => {
  it("counts each step and the conversion between steps, in total, by company and by service", async () => {
    const res = await api("GET", "/v1/admin/analytics/funnel");
    expect(res.status).toBe(200);
    expect(res.body.filters).toEqual({ company: null, service: null });
    const totals = res.body.totals;
    expect(totals).toMatchObject({
      candidates: 13,
      candidates_by_decision: { lead: 6, control: 1, below_threshold: 3, not_routed: 1, capped: 1, duplicate: 1 },
      leads: 6,
      delivered: 4,
      acknowledged: 3,
      accepted: 2,
      declined: 1,
      failed: 1,
      expired: 0,
    });
    expect(totals.conversion).toEqual({
      candidate_to_lead: 6 / 13,
      lead_to_delivered: 4 / 6,
      delivered_to_acknowledged: 3 / 4,
      acknowledged_to_accepted: 2 / 3,
      acceptance_rate: 2 / 3,
      candidate_to_accepted: 2 / 13,
    });
    expect(res.body.by_company).toHaveLength(2);
    expect(res.body.by_company[0]).toMatchObject({
      company_id: bank.id,
      company_name: "Funnel bank",
      candidates: 10,
      leads: 4,
    });
    expect(res.body.by_company[1]).toMatchObject({
      company_id: insurer.id,
      candidates: 3,
      leads: 2,
      delivered: 1,
      failed: 1,
    });
    expect(res.body.by_service.map((row: { service: string }) => row.service)).toEqual([card.code, policy.code]);
    expect(res.body.by_service[1]).toMatchObject({ service_name: policy.code, company_id: insurer.id, accepted: 1 });
  });

  it("filters by company and service and by window; empty steps have null conversion", async () => {
    const company = await api("GET", `/v1/admin/analytics/funnel?company=${insurer.id}`);
    expect(company.body.totals).toMatchObject({ candidates: 3, leads: 2 });
    expect(company.body.by_company).toHaveLength(1);
    const service = await api("GET", `/v1/admin/analytics/funnel?service=${card.code}`);
    expect(service.body.totals).toMatchObject({ candidates: 10, leads: 4 });
    expect(service.body.filters).toEqual({ company: null, service: card.code });
    const wide = await api(
      "GET",
      `/v1/admin/analytics/funnel?from=${new Date(Date.now() - 60 * DAY).toISOString()}&service=${card.code}`,
    );
    expect(wide.body.totals).toMatchObject({ leads: 5, accepted: 2 });
    const empty = await api("GET", `/v1/admin/analytics/funnel?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z`);
    expect(empty.status).toBe(200);
    expect(empty.body.totals.candidates).toBe(0);
    expect(empty.body.totals.conversion.candidate_to_lead).toBeNull();
    expect(empty.body.by_company).toEqual([]);
  });

  it("refuses bad windows (400) and unknown companies or services (404)", async () => {
    for (const query of [
      "from=2026-02-01T00:00:00Z&to=2026-01-01T00:00:00Z",
      "from=2020-01-01T00:00:00Z&to=2026-01-01T00:00:00Z",
      "from=yesterday",
      "colour=red",
    ]) {
      const res = await api("GET", `/v1/admin/analytics/funnel?${query}`);
      expect(res.status, query).toBe(400);
      expect(errorCode(res)).toBe("validation_failed");
    }
    expect((await api("GET", "/v1/admin/analytics/funnel?company=co_unknown")).status).toBe(404);
    expect((await api("GET", "/v1/admin/analytics/funnel?service=no-such")).status).toBe(404);
  });

  itRefusesNonAdmins(() => ({ method: "GET", path: "/v1/admin/analytics/funnel" }));
});
