import { beforeAll, describe, expect, it } from "vitest";
import { api, errorCode, seedCompany, seedService, shardD1Of } from "../../../harness";
import { itRefusesNonAdmins } from "../admin/helpers";
import { seedClientRow, seedLead } from "./fixtures";

const DAY = 86_400_000;
const today = () => new Date().toISOString().slice(0, 10);
const daysAgo = (n: number) => new Date(Date.now() - n * DAY).toISOString().slice(0, 10);

let bank: { id: string };
let insurer: { id: string };
let queuedLeadCreatedAt: number;

beforeAll(async () => {
  bank = await seedCompany({ name: "Overview bank", kind: "bank" });
  insurer = await seedCompany({ name: "Overview insurer" });
  const card = await seedService(bank.id, { code: "overview-card", category: "cards" });
  const policy = await seedService(insurer.id, { code: "overview-policy", category: "insurance" });
  const clientId = await seedClientRow(bank.id);
  const lead = (
    service: { id: string },
    target: string,
    createdAt: number,
    status: "queued" | "delivered" | "failed",
  ) =>
    seedLead({ clientId, serviceId: service.id, sourceCompanyId: bank.id, targetCompanyId: target, createdAt, status });
  const now = Date.now();
  queuedLeadCreatedAt = now - 2 * DAY;
  await lead(card, bank.id, now - 1000, "delivered");
  await lead(card, bank.id, now - 2000, "delivered");
  await lead(policy, insurer.id, now - 3000, "failed");
  await lead(policy, insurer.id, queuedLeadCreatedAt, "queued");
  // Outside a 7-day window.
  await lead(card, bank.id, now - 20 * DAY, "delivered");
  const failedLead = await lead(policy, insurer.id, now - 4000, "failed");
  await shardD1Of(failedLead)
    .prepare("INSERT INTO lead_events (lead_id, type, at) VALUES (?, 'dead_lettered', ?)")
    .bind(failedLead, now - 4000)
    .run();
});

describe("GET /v1/admin/overview", () => {
  it("counts leads per day by receiving company and category, and delivery health", async () => {
    const res = await api("GET", "/v1/admin/overview?days=7");
    expect(res.status).toBe(200);
    const rows = res.body.leads_per_day;
    expect(rows).toContainEqual({
      day: today(),
      company_id: bank.id,
      company_name: "Overview bank",
      category: "cards",
      leads: 2,
    });
    expect(rows).toContainEqual(
      expect.objectContaining({ day: today(), company_id: insurer.id, category: "insurance", leads: 2 }),
    );
    expect(rows).toContainEqual(
      expect.objectContaining({ day: daysAgo(2), company_id: insurer.id, category: "insurance", leads: 1 }),
    );
    expect(rows.some((row: { day: string }) => row.day === daysAgo(20))).toBe(false);
    expect(res.body.delivery).toEqual({
      queued: 1,
      oldest_queued_at: new Date(queuedLeadCreatedAt).toISOString(),
      failed: 2,
      dead_lettered: 1,
    });
    expect(Date.parse(res.body.window.to) - Date.parse(res.body.window.from)).toBe(7 * DAY);
  });

  it("widens the window with days", async () => {
    const res = await api("GET", "/v1/admin/overview?days=30");
    expect(res.body.leads_per_day).toContainEqual(expect.objectContaining({ day: daysAgo(20), leads: 1 }));
  });

  it("answers 400 for days out of range", async () => {
    for (const days of ["0", "91", "x"]) {
      const res = await api("GET", `/v1/admin/overview?days=${days}`);
      expect(res.status).toBe(400);
      expect(errorCode(res)).toBe("validation_failed");
    }
  });

  itRefusesNonAdmins(() => ({ method: "GET", path: "/v1/admin/overview" }));
});
